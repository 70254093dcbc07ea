import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The name under which the main step tells the post step where the kubeconfig is. */
export const STATE_KUBECONFIG_PATH = "kubeconfig-path";

/** Writes the kubeconfig readable by its owner only, in a fresh directory under RUNNER_TEMP. */
export function writeKubeconfig(text: string, runnerTemp: string | undefined): string {
  const dir = mkdtempSync(join(runnerTemp || tmpdir(), "openmcp-deploy-"));
  const path = join(dir, "kubeconfig");
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** Removes the directory writeKubeconfig made; safe to call twice. */
export function removeKubeconfig(path: string): void {
  if (!path.endsWith("kubeconfig")) return;
  rmSync(join(path, ".."), { recursive: true, force: true });
}
