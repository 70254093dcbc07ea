/**
 * Bundles the operator CLI (packages/operator/src/main.ts and everything it imports, client-node
 * included) into one ESM file that runs on plain Node 24: packages/operator/dist/openmcp-operator.mjs.
 * The Dockerfile runs this; the output is not committed.
 * Run: pnpm exec node --import tsx scripts/bundle-operator.ts [--outfile PATH]
 */
import { build } from "esbuild";
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
  metafile: true,
  logLevel: "warning",
});

const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`wrote ${outfile} (${(bytes / 1024 / 1024).toFixed(1)} MiB)`);
