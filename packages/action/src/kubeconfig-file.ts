import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The name under which the main step tells the post step where the kubeconfig is. */
export const STATE_KUBECONFIG_PATH = "kubeconfig-path";

/** Kubeconfig text from the input as given: YAML/JSON as is, or base64 of it. */
export function decodeKubeconfig(input: string): string {
  const looksPlain = (text: string): boolean => /^\s*(apiVersion|kind|clusters|\{)/m.test(text);
  if (looksPlain(input)) return input;
  const decoded = Buffer.from(input.replace(/\s+/g, ""), "base64").toString("utf8");
  if (looksPlain(decoded)) return decoded;
  throw new Error(
    'cannot read input "kubeconfig": it is neither kubeconfig YAML nor base64-encoded kubeconfig YAML',
  );
}

/** Values that must never appear in logs: the raw input and every credential field of the kubeconfig. */
export function kubeconfigSecrets(input: string, text: string): string[] {
  const secrets = new Set<string>();
  if (!text.includes(input.trim())) secrets.add(input.trim());
  const field =
    /^\s*(?:-\s*)?"?(client-key-data|client-certificate-data|certificate-authority-data|token|password|id-token|refresh-token|client-secret)"?\s*:\s*"?([^"\s,]+)"?/gm;
  for (const m of text.matchAll(field)) if (m[2] && m[2].length >= 4) secrets.add(m[2]);
  return [...secrets];
}

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
