// Self-signed CA and a server certificate for 127.0.0.1/localhost, generated at start-up.
// Keys come from node:crypto (fast, native); node-forge only builds and signs the X.509
// certificates, which node:crypto cannot do.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";

export interface TlsMaterial {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

function keyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem);
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), pem };
}

function serial(): string {
  // Positive serial: clear the top bit.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString("hex");
}

type Attributes = forge.pki.CertificateField[];

/** A certificate valid from a minute ago for a year, for `publicKey`, signed by `signer`. */
function certificate(publicKey: forge.pki.rsa.PublicKey, subject: Attributes, issuer: Attributes, extensions: object[], signer: forge.pki.rsa.PrivateKey): forge.pki.Certificate {
  const now = Date.now();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + 365 * 24 * 3600_000);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  cert.sign(signer, forge.md.sha256.create());
  return cert;
}

export function generateTlsMaterial(hosts: readonly string[] = ["127.0.0.1", "localhost"]): TlsMaterial {
  const ca = keyPair();
  const caSubject = [{ name: "commonName", value: "sluice-sandbox-ca" }];
  const caCert = certificate(
    ca.publicKey,
    caSubject,
    caSubject,
    [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      { name: "subjectKeyIdentifier" },
    ],
    ca.privateKey,
  );
  const server = keyPair();
  const cert = certificate(
    server.publicKey,
    [{ name: "commonName", value: "sluice-sandbox-apiserver" }],
    caSubject,
    [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: hosts.map((h) => (/^[\d.]+$/.test(h) || h.includes(":") ? { type: 7, ip: h } : { type: 2, value: h })),
      },
    ],
    ca.privateKey,
  );
  return { caCertPem: forge.pki.certificateToPem(caCert), certPem: forge.pki.certificateToPem(cert), keyPem: server.pem };
}
