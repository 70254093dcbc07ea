/**
 * YAML output for plain JSON values (rendered objects, CRDs, dry-run output), with the `yaml`
 * package: block style, key order kept, no line folding, no anchors for repeated objects, and
 * sequences at their key's indentation, as kubectl and controller-gen write them.
 */
import { stringify } from "yaml";

/** YAML 1.1 quoting, which kubectl and Go's YAML libraries read: `"no"`, `"on"`, `"0755"` stay strings. */
const OPTIONS = { version: "1.1", lineWidth: 0, indentSeq: false, aliasDuplicateObjects: false } as const;

/** Serializes one value as a YAML document (no leading `---`), ending in a newline. */
export function toYaml(value: unknown): string {
  // Through JSON first, so that what is written is what a JSON client would send.
  return stringify(JSON.parse(JSON.stringify(value ?? null)), OPTIONS);
}

/** Serializes several objects as a multi-document YAML stream. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((v) => `---\n${toYaml(v)}`).join("");
}
