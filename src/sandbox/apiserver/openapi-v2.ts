// A minimal /openapi/v2 document. kubectl 1.27 and 1.28 load it (as protobuf, gnostic
// openapi_v2.Document) before client-side validation even when /openapi/v3 says the server
// validates fields itself; without it `kubectl apply` fails with NotFound. An empty document is
// enough: kinds missing from it are not validated client-side and apply falls back to its
// compiled-in patch metadata.

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

function field(fieldNumber: number, payload: Uint8Array): number[] {
  return [(fieldNumber << 3) | 2, ...varint(payload.length), ...payload];
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Document{swagger=1, info=2{title=1, version=2}, paths=8{}} in protobuf wire format. */
export function openApiV2Protobuf(gitVersion: string): Buffer {
  const info = Uint8Array.from([...field(1, text("Kubernetes")), ...field(2, text(gitVersion))]);
  return Buffer.from([...field(1, text("2.0")), ...field(2, info), ...field(8, new Uint8Array())]);
}

export function openApiV2Json(gitVersion: string): string {
  return JSON.stringify({ swagger: "2.0", info: { title: "Kubernetes", version: gitVersion }, paths: {} });
}

export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
