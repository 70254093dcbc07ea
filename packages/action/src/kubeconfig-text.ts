import { parse } from "yaml";

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

/** Kubeconfig fields whose values are credentials (users[].user, clusters[].cluster, auth-provider config). */
const CREDENTIAL_FIELDS = new Set([
  "client-key-data",
  "client-certificate-data",
  "certificate-authority-data",
  "token",
  "password",
  "id-token",
  "refresh-token",
  "client-secret",
  "access-token",
]);

/** Credential values found in a parsed kubeconfig: the fields above, auth-provider config and exec env values. */
function collectCredentials(node: unknown, parentKey: string, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectCredentials(item, parentKey, into);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    const secretHere =
      CREDENTIAL_FIELDS.has(key) ||
      (parentKey === "config" && key !== "expiry") ||
      (parentKey === "env" && key === "value");
    if (secretHere && typeof value === "string") into.add(value);
    else collectCredentials(value, key, into);
  }
}

/**
 * Values that must never appear in logs: the raw input and every credential in the kubeconfig,
 * found by parsing it (block or flow YAML, JSON, any quoting) and, for text that does not parse,
 * by a line scan. Multi-line values are masked line by line, as the runner needs.
 */
export function kubeconfigSecrets(input: string, text: string): string[] {
  const found = new Set<string>();
  if (!text.includes(input.trim())) found.add(input.trim());
  try {
    collectCredentials(parse(text) as unknown, "", found);
  } catch {
    const field =
      /^\s*(?:-\s*)?"?(client-key-data|client-certificate-data|certificate-authority-data|token|password|id-token|refresh-token|client-secret|access-token)"?\s*:\s*["']?([^"'\s]+)["']?/gm;
    for (const m of text.matchAll(field)) if (m[2]) found.add(m[2]);
  }
  const secrets = new Set<string>();
  for (const value of found) {
    for (const line of [value, ...value.split(/\r?\n/)]) {
      const trimmed = line.trim();
      if (trimmed.length >= 4) secrets.add(trimmed);
    }
  }
  return [...secrets];
}
