/**
 * Key-order helpers. Rendered objects are compared, hashed and written as golden files, so the
 * same input must always give the same bytes, whatever order the user wrote their keys in.
 */

/** A deep copy whose object keys are sorted, `leading` keys first (top level only); undefined is dropped. */
export function orderKeys<T>(value: T, leading: readonly string[] = []): T {
  return sortDeep(value, leading) as T;
}

function sortDeep(value: unknown, leading: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => sortDeep(item, []));
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  const ordered = [...leading.filter((k) => k in record), ...keys.filter((k) => !leading.includes(k))];
  const out: Record<string, unknown> = {};
  for (const key of ordered) {
    const item = record[key];
    if (item !== undefined) out[key] = sortDeep(item, []);
  }
  return out;
}

/** JSON with recursively sorted keys: equal data gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value, []));
}
