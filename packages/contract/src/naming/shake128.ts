/**
 * SHAKE128 (FIPS 202), over which the reference operator defines its name shortening and UUIDs.
 * The sponge is @noble/hashes' (audited, runtime-neutral); strings are encoded here, so that
 * hashes stay what they were for every string, lone surrogates included.
 */
import { shake128 as nobleShake128 } from "@noble/hashes/sha3.js";

/** UTF-8 bytes of a string (TextEncoder is a web API, not part of the core's ES library). */
export function utf8Bytes(input: string): Uint8Array {
  // At most 3 bytes per UTF-16 code unit (a surrogate pair, two units, takes 4).
  const out = new Uint8Array(input.length * 3);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    let cp = input.charCodeAt(i);
    if (cp < 0x80) {
      out[n++] = cp;
      continue;
    }
    if (cp < 0x800) {
      out[n++] = 0xc0 | (cp >> 6);
      out[n++] = 0x80 | (cp & 0x3f);
      continue;
    }
    if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < input.length) {
      const low = input.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
        out[n++] = 0xf0 | (cp >> 18);
        out[n++] = 0x80 | ((cp >> 12) & 0x3f);
        out[n++] = 0x80 | ((cp >> 6) & 0x3f);
        out[n++] = 0x80 | (cp & 0x3f);
        continue;
      }
    }
    // Everything else in the BMP, including a lone surrogate, which is encoded as its code point.
    out[n++] = 0xe0 | (cp >> 12);
    out[n++] = 0x80 | ((cp >> 6) & 0x3f);
    out[n++] = 0x80 | (cp & 0x3f);
  }
  return out.slice(0, n);
}

export function shake128(input: Uint8Array | string, outputLength: number): Uint8Array {
  return nobleShake128(typeof input === "string" ? utf8Bytes(input) : input, { dkLen: outputLength });
}
