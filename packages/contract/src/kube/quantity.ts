/**
 * resource.Quantity values, for comparing what we wrote with what the API server stores: it
 * rewrites quantities into canonical form (`1000` → `1k`, `0.5` → `500m`, `1024Mi` → `1Gi`).
 */

const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** The value in nano-units as an exact integer (the API server's precision), or undefined if not a quantity. */
export function quantityNanos(value: string | number): bigint | undefined {
  const match = QUANTITY.exec(String(value));
  if (match === null) return undefined;
  const [, sign, number, suffix = ""] = match;
  const [whole = "", fraction = ""] = number!.split(".");
  let n = BigInt(`${whole}${fraction}` || "0") * 10n ** 9n;
  let exponent = -fraction.length;
  if (suffix in BINARY) n *= 1024n ** BigInt(BINARY[suffix]!);
  else if (suffix in DECIMAL) exponent += DECIMAL[suffix]!;
  else exponent += Number(suffix.slice(1));
  // Rounded up, as the API server rounds quantities finer than its precision.
  n =
    exponent >= 0
      ? n * 10n ** BigInt(exponent)
      : (n + 10n ** BigInt(-exponent) - 1n) / 10n ** BigInt(-exponent);
  return sign === "-" ? -n : n;
}

/** Whether two quantities have the same value, however they are written. */
export function quantitiesEqual(a: string | number, b: string | number): boolean {
  const x = quantityNanos(a);
  return x !== undefined && x === quantityNanos(b);
}
