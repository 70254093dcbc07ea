/**
 * Writes deploy/crds/<group>_<plural>.yaml for every CRD of packages/contract, and the TS types
 * generated from the same schemas (packages/contract/src/schema/generated-types.ts).
 * Run: pnpm exec node --import tsx scripts/generate-crds.ts
 * packages/contract/src/schema/crds.test.ts and generated-types.test.ts fail while the committed
 * files differ from this output.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { allCrds, crdFileName, renderCrdFile } from "../packages/contract/src/schema/crds.ts";
import { renderTypesFile } from "../packages/contract/src/schema/render-types.ts";
import { typeSources } from "../packages/contract/src/schema/type-sources.ts";

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

const typesFile = fileURLToPath(
  new URL("../packages/contract/src/schema/generated-types.ts", import.meta.url),
);
writeFileSync(typesFile, renderTypesFile(typeSources()));
console.log("wrote packages/contract/src/schema/generated-types.ts");
