/** `sluice version`: the package version and the Node.js runtime, for bug reports. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CommandModule } from "yargs";

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "..", "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

export const versionCommand: CommandModule<object, object> = {
  command: "version",
  describe: "Print the sluice version and the Node.js version",
  handler: () => {
    process.stdout.write(`sluice ${packageVersion()}\nnode ${process.version}\n`);
  },
};
