#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_ACTION_REF, ScaffoldInputError, scaffoldProvider } from "./scaffold-provider.ts";

const USAGE = `Usage: npm create @openmcp-ts/provider <dir> [-- --name <package-name>] [--action <owner/repo@ref>]

Creates a new openMCP provider repository in <dir> (which must not exist or be empty):
package.json on the published @openmcp-ts packages, src/main.ts with defineProvider, a test on a
real control plane (@openmcp-ts/testenv), a Dockerfile and a release workflow.

  --name <package-name>     npm package name (default: the directory's name)
  --action <owner/repo@ref> the deploy action the release workflow uses (default: ${DEFAULT_ACTION_REF})
  -h, --help                this text
`;

function ownVersion(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** Runs the scaffold CLI; resolves with the exit code: 0 created, 1 failed, 2 bad input. */
export async function main(
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        name: { type: "string" },
        action: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    out(USAGE);
    return 0;
  }
  const [dir, ...extra] = parsed.positionals;
  if (dir === undefined || extra.length > 0) {
    err(
      `cannot create provider: expected exactly one directory, got ${parsed.positionals.length}\n\n${USAGE}`,
    );
    return 2;
  }
  try {
    const result = await scaffoldProvider({
      dir,
      ...(parsed.values.name === undefined ? {} : { name: parsed.values.name }),
      ...(parsed.values.action === undefined ? {} : { actionRef: parsed.values.action }),
      openmcpVersion: `^${ownVersion()}`,
    });
    out(
      `Created ${result.name} in ${result.dir}:\n${result.files.map((f) => `  ${f}`).join("\n")}\n\n` +
        `Next:\n  cd ${dir}\n  npm install\n  npm test\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof ScaffoldInputError) {
      err(`${e.message}\n`);
      return 2;
    }
    err(`cannot create provider: ${(e as Error).message}\n`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
