/**
 * Bundles the operator CLI (packages/operator/src/main.ts and everything it imports, client-node
 * included) into one ESM file that runs on plain Node 24: packages/operator/dist/openmcp-operator.mjs.
 * The Dockerfile runs this; the output is not committed.
 * Run: pnpm exec node --import tsx scripts/bundle-operator.ts [--outfile PATH]
 */
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({ options: { outfile: { type: "string" } } });
const outfile = values.outfile
  ? resolve(values.outfile)
  : `${root}packages/operator/dist/openmcp-operator.mjs`;

const result = await build({
  absWorkingDir: root,
  entryPoints: ["packages/operator/src/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  // CommonJS dependencies call require(); an ES module has none unless it makes one.
  banner: {
    js: [
      "#!/usr/bin/env node",
      'import { createRequire as __createRequire } from "node:module";',
      "const require = __createRequire(import.meta.url);",
    ].join("\n"),
  },
  legalComments: "eof",
  // V8 keeps a script's source as a two-byte string when a single character of it is not ASCII:
  // twice the bytes (a heap snapshot showed 5.8 MiB for the bundle), for the whole process life. esbuild escapes strings, regexps and
  // identifiers; the comments it keeps are left, and get the same escape below.
  charset: "ascii",
  metafile: true,
  logLevel: "warning",
});

const source = readFileSync(outfile, "utf8");
// eslint-disable-next-line no-control-regex -- every character outside ASCII, control ones aside
const ascii = source.replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
if (ascii !== source) writeFileSync(outfile, ascii);

const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`wrote ${outfile} (${(bytes / 1024 / 1024).toFixed(1)} MiB)`);
