/**
 * Writes deploy/crds/<group>_<plural>.yaml for every CRD of packages/contract.
 * Run: pnpm exec node --import tsx scripts/generate-crds.ts
 * packages/contract/src/schema/crds.test.ts fails while the committed files differ from this output.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { allCrds, crdFileName, renderCrdFile } from "../packages/contract/src/schema/crds.ts";

const outDir = fileURLToPath(new URL("../deploy/crds/", import.meta.url));
mkdirSync(outDir, { recursive: true });
const files = new Map(allCrds().map((crd) => [crdFileName(crd), renderCrdFile(crd)]));
// Files of CRDs that no longer exist would otherwise linger and still be installed.
for (const name of readdirSync(outDir)) {
  if (name.endsWith(".yaml") && !files.has(name)) {
    rmSync(`${outDir}${name}`);
    console.log(`removed ${name}`);
  }
}
for (const [name, content] of files) {
  writeFileSync(`${outDir}${name}`, content);
  console.log(`wrote deploy/crds/${name}`);
}
