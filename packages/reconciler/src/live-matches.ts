import { quantitiesEqual } from "@openmcp-ts/contract";

/** Container resource maps, whose quantities the API server rewrites into canonical form. */
const QUANTITY_MAPS = new Set(["limits", "requests"]);

/**
 * Whether a live object already carries everything we would apply: every field we set is present
 * with the same value (the server may add defaults), and the hash of the last applied
 * configuration matches, so fields we stopped setting are still removed by a new apply.
 */
export function liveMatches(desired: unknown, live: unknown): boolean {
  if (desired === live) return true;
  if (desired === null || live === null || typeof desired !== "object" || typeof live !== "object") {
    return typeof desired === "number" && typeof live === "string" ? String(desired) === live : false;
  }
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      desired.length === live.length &&
      desired.every((d, i) => liveMatches(d, live[i]))
    );
  }
  if (Array.isArray(live)) return false;
  const l = live as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(([k, v]) =>
    v === undefined ? true : QUANTITY_MAPS.has(k) ? quantitiesMatch(v, l[k]) : liveMatches(v, l[k]),
  );
}

function isQuantity(x: unknown): x is string | number {
  return typeof x === "string" || typeof x === "number";
}

function quantitiesMatch(desired: unknown, live: unknown): boolean {
  if (desired === null || typeof desired !== "object" || live === null || typeof live !== "object")
    return liveMatches(desired, live);
  const l = live as Record<string, unknown>;
  const entries = Object.entries(desired as Record<string, unknown>);
  return (
    entries.length === Object.keys(l).length &&
    entries.every(([k, v]) => {
      const w = l[k];
      return isQuantity(v) && isQuantity(w) ? quantitiesEqual(v, w) : liveMatches(v, w);
    })
  );
}
