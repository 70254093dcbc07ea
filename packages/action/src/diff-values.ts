/** Leaves of a JSON value by dotted path (`spec.env[0].name`), for a diff people can read. */
function flatten(value: unknown, path: string, out: Map<string, string>): void {
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((item, i) => flatten(item, `${path}[${i}]`, out));
  } else if (typeof value === "object" && value !== null && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out);
  } else if (value !== undefined) {
    out.set(path, JSON.stringify(value));
  }
}

/** `+ path: value`, `- path: value`, `~ path: old → new`, sorted by path; empty when equal. */
export function diffValues(before: unknown, after: unknown, root: string): string[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(before, root, a);
  flatten(after, root, b);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const lines: string[] = [];
  for (const p of paths) {
    const x = a.get(p);
    const y = b.get(p);
    if (x === y) continue;
    if (x === undefined) lines.push(`+ ${p}: ${y}`);
    else if (y === undefined) lines.push(`- ${p}: ${x}`);
    else lines.push(`~ ${p}: ${x} → ${y}`);
  }
  return lines;
}
