import { createRequire } from "module"; const require = createRequire(import.meta.url);

// src/kubeconfig-file.ts
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
var STATE_KUBECONFIG_PATH = "kubeconfig-path";
function removeKubeconfig(path2) {
  if (!path2.endsWith("kubeconfig")) return;
  rmSync(join(path2, ".."), { recursive: true, force: true });
}

// src/post.ts
var path = process.env[`STATE_${STATE_KUBECONFIG_PATH}`] ?? "";
if (path) removeKubeconfig(path);
