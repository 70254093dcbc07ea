/**
 * Bundles the action's entry points into packages/action/dist (index.mjs, post.mjs), which action.yml
 * runs and which is committed: the runner executes it without installing anything.
 * Run: pnpm --filter @openmcp-ts/action bundle   (a test fails when dist/ is stale)
 */
import { build, type BuildOptions } from "esbuild";
import { fileURLToPath } from "node:url";

export const ACTION_DIR = fileURLToPath(new URL("..", import.meta.url));

/** Shared by the script and the test that compares a fresh build with the committed dist/. */
export const BUNDLE_OPTIONS = {
  absWorkingDir: ACTION_DIR,
  entryPoints: { index: "src/main.ts", post: "src/post.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  // CommonJS dependencies call require(); an ES module has none unless it makes one.
  banner: {
    js: 'import { createRequire } from "module"; const require = createRequire(import.meta.url);',
  },
  legalComments: "eof",
  logLevel: "warning",
} as const satisfies BuildOptions;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await build({ ...BUNDLE_OPTIONS, metafile: true });
  for (const [file, out] of Object.entries(result.metafile.outputs))
    console.log(`wrote packages/action/${file} (${(out.bytes / 1024).toFixed(0)} KiB)`);
}
