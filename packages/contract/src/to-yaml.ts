/**
 * A YAML serializer for plain JSON values (rendered objects, CRDs, dry-run output).
 * It writes block style, keeps key order, and quotes a string whenever plain YAML could read it
 * as something else; JSON-quoted strings are valid YAML, so quoting reuses JSON.stringify.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const PLAIN_UNSAFE =
  /^$|^[\s\-?:,[\]{}#&*!|>'"%@`~]|[\s:]$|: | #|[\n\r\t]|^(true|false|yes|no|on|off|null|y|n)$|^[-+.]?\d|^\.(inf|nan)$/i;

function scalar(value: null | boolean | number | string): string {
  if (value === null) return "null";
  if (typeof value === "string") return PLAIN_UNSAFE.test(value) ? JSON.stringify(value) : value;
  return String(value);
}

function isEmptyCollection(value: Json): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length === 0;
}

function emit(value: Json, indent: string, lines: string[], firstPrefix: string): void {
  if (value === null || typeof value !== "object" || isEmptyCollection(value)) {
    const text = Array.isArray(value)
      ? "[]"
      : typeof value === "object" && value !== null
        ? "{}"
        : scalar(value);
    lines.push(firstPrefix + text);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      emit(item, indent + "  ", lines, `${i === 0 ? firstPrefix : indent}- `);
    });
    return;
  }
  Object.entries(value).forEach(([key, item], i) => {
    const prefix = `${i === 0 ? firstPrefix : indent}${scalar(key)}:`;
    if (item !== null && typeof item === "object" && !isEmptyCollection(item)) {
      if (Array.isArray(item)) {
        lines.push(prefix);
        emit(item, indent, lines, indent);
      } else {
        lines.push(prefix);
        emit(item, indent + "  ", lines, indent + "  ");
      }
    } else {
      emit(item, indent, lines, `${prefix} `);
    }
  });
}

/** Serializes one value as a YAML document (no leading `---`), ending in a newline. */
export function toYaml(value: unknown): string {
  const lines: string[] = [];
  emit(JSON.parse(JSON.stringify(value ?? null)) as Json, "", lines, "");
  return lines.join("\n") + "\n";
}

/** Serializes several objects as a multi-document YAML stream. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((v) => `---\n${toYaml(v)}`).join("");
}
