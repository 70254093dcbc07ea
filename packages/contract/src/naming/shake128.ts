/**
 * SHAKE128 (FIPS 202) in plain TypeScript. The core runs on Node and Deno without `node:crypto`,
 * and the reference operator's name shortening and UUIDs are defined over SHAKE128.
 *
 * Keccak-f[1600] runs on 32-bit words: each 64-bit lane is a pair of words, the low half at
 * index 2 * lane and the high half at 2 * lane + 1 (lanes indexed x + 5y). Word i of the state
 * then holds bytes 4i..4i+3 of the little-endian state string, so absorbing and squeezing index
 * words directly. The permutation keeps the 50 words in locals and is unrolled per lane; rotations
 * by 32 or more swap the halves and rotate by the remainder. Tests cross-check against node:crypto.
 */

const RATE_BYTES = 168;
const RATE_WORDS = RATE_BYTES / 4;

/** ι round constants as [low, high] word pairs: 0x0000000000000001, 0x0000000000008082, ... */
// prettier-ignore
const ROUND_CONSTANTS = Int32Array.from([
  0x00000001, 0x00000000, 0x00008082, 0x00000000, 0x0000808a, 0x80000000, 0x80008000, 0x80000000,
  0x0000808b, 0x00000000, 0x80000001, 0x00000000, 0x80008081, 0x80000000, 0x00008009, 0x80000000,
  0x0000008a, 0x00000000, 0x00000088, 0x00000000, 0x80008009, 0x00000000, 0x8000000a, 0x00000000,
  0x8000808b, 0x00000000, 0x0000008b, 0x80000000, 0x00008089, 0x80000000, 0x00008003, 0x80000000,
  0x00008002, 0x80000000, 0x00000080, 0x80000000, 0x0000800a, 0x00000000, 0x8000000a, 0x80000000,
  0x80008081, 0x80000000, 0x00008080, 0x80000000, 0x80000001, 0x00000000, 0x80008008, 0x80000000,
]);

/**
 * Keccak-f[1600] in place on 50 words (25 lanes as low/high pairs). Lane offsets of ρ, by x + 5y:
 * 0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14.
 */
// prettier-ignore
function keccakF1600(s: Int32Array): void {
  let a0l = s[0]!, a0h = s[1]!, a1l = s[2]!, a1h = s[3]!, a2l = s[4]!, a2h = s[5]!, a3l = s[6]!, a3h = s[7]!,
    a4l = s[8]!, a4h = s[9]!, a5l = s[10]!, a5h = s[11]!, a6l = s[12]!, a6h = s[13]!,
    a7l = s[14]!, a7h = s[15]!, a8l = s[16]!, a8h = s[17]!, a9l = s[18]!, a9h = s[19]!,
    a10l = s[20]!, a10h = s[21]!, a11l = s[22]!, a11h = s[23]!, a12l = s[24]!, a12h = s[25]!,
    a13l = s[26]!, a13h = s[27]!, a14l = s[28]!, a14h = s[29]!, a15l = s[30]!, a15h = s[31]!,
    a16l = s[32]!, a16h = s[33]!, a17l = s[34]!, a17h = s[35]!, a18l = s[36]!, a18h = s[37]!,
    a19l = s[38]!, a19h = s[39]!, a20l = s[40]!, a20h = s[41]!, a21l = s[42]!, a21h = s[43]!,
    a22l = s[44]!, a22h = s[45]!, a23l = s[46]!, a23h = s[47]!, a24l = s[48]!, a24h = s[49]!;
  let t0: number, t1: number;
  for (let round = 0; round < 48; round += 2) {
    // θ: column parities C[x], then D[x] = C[x - 1] ^ rotl(C[x + 1], 1).
    const c0l = a0l ^ a5l ^ a10l ^ a15l ^ a20l, c0h = a0h ^ a5h ^ a10h ^ a15h ^ a20h;
    const c1l = a1l ^ a6l ^ a11l ^ a16l ^ a21l, c1h = a1h ^ a6h ^ a11h ^ a16h ^ a21h;
    const c2l = a2l ^ a7l ^ a12l ^ a17l ^ a22l, c2h = a2h ^ a7h ^ a12h ^ a17h ^ a22h;
    const c3l = a3l ^ a8l ^ a13l ^ a18l ^ a23l, c3h = a3h ^ a8h ^ a13h ^ a18h ^ a23h;
    const c4l = a4l ^ a9l ^ a14l ^ a19l ^ a24l, c4h = a4h ^ a9h ^ a14h ^ a19h ^ a24h;
    const d0l = c4l ^ ((c1l << 1) | (c1h >>> 31)), d0h = c4h ^ ((c1h << 1) | (c1l >>> 31));
    const d1l = c0l ^ ((c2l << 1) | (c2h >>> 31)), d1h = c0h ^ ((c2h << 1) | (c2l >>> 31));
    const d2l = c1l ^ ((c3l << 1) | (c3h >>> 31)), d2h = c1h ^ ((c3h << 1) | (c3l >>> 31));
    const d3l = c2l ^ ((c4l << 1) | (c4h >>> 31)), d3h = c2h ^ ((c4h << 1) | (c4l >>> 31));
    const d4l = c3l ^ ((c0l << 1) | (c0h >>> 31)), d4h = c3h ^ ((c0h << 1) | (c0l >>> 31));
    // ρ and π, with θ's D folded in: lane x + 5y, xored with D[x] and rotated, becomes b of lane
    // y + 5((2x + 3y) mod 5). An offset of 32 or more swaps the halves (t0 is then the high
    // half) and rotates by the rest.
    const b0l = a0l ^ d0l, b0h = a0h ^ d0h;
    t0 = a6h ^ d1h; t1 = a6l ^ d1l; // lane 6, offset 44
    const b1l = (t0 << 12) | (t1 >>> 20), b1h = (t1 << 12) | (t0 >>> 20);
    t0 = a12h ^ d2h; t1 = a12l ^ d2l; // lane 12, offset 43
    const b2l = (t0 << 11) | (t1 >>> 21), b2h = (t1 << 11) | (t0 >>> 21);
    t0 = a18l ^ d3l; t1 = a18h ^ d3h; // lane 18, offset 21
    const b3l = (t0 << 21) | (t1 >>> 11), b3h = (t1 << 21) | (t0 >>> 11);
    t0 = a24l ^ d4l; t1 = a24h ^ d4h; // lane 24, offset 14
    const b4l = (t0 << 14) | (t1 >>> 18), b4h = (t1 << 14) | (t0 >>> 18);
    t0 = a3l ^ d3l; t1 = a3h ^ d3h; // lane 3, offset 28
    const b5l = (t0 << 28) | (t1 >>> 4), b5h = (t1 << 28) | (t0 >>> 4);
    t0 = a9l ^ d4l; t1 = a9h ^ d4h; // lane 9, offset 20
    const b6l = (t0 << 20) | (t1 >>> 12), b6h = (t1 << 20) | (t0 >>> 12);
    t0 = a10l ^ d0l; t1 = a10h ^ d0h; // lane 10, offset 3
    const b7l = (t0 << 3) | (t1 >>> 29), b7h = (t1 << 3) | (t0 >>> 29);
    t0 = a16h ^ d1h; t1 = a16l ^ d1l; // lane 16, offset 45
    const b8l = (t0 << 13) | (t1 >>> 19), b8h = (t1 << 13) | (t0 >>> 19);
    t0 = a22h ^ d2h; t1 = a22l ^ d2l; // lane 22, offset 61
    const b9l = (t0 << 29) | (t1 >>> 3), b9h = (t1 << 29) | (t0 >>> 3);
    t0 = a1l ^ d1l; t1 = a1h ^ d1h; // lane 1, offset 1
    const b10l = (t0 << 1) | (t1 >>> 31), b10h = (t1 << 1) | (t0 >>> 31);
    t0 = a7l ^ d2l; t1 = a7h ^ d2h; // lane 7, offset 6
    const b11l = (t0 << 6) | (t1 >>> 26), b11h = (t1 << 6) | (t0 >>> 26);
    t0 = a13l ^ d3l; t1 = a13h ^ d3h; // lane 13, offset 25
    const b12l = (t0 << 25) | (t1 >>> 7), b12h = (t1 << 25) | (t0 >>> 7);
    t0 = a19l ^ d4l; t1 = a19h ^ d4h; // lane 19, offset 8
    const b13l = (t0 << 8) | (t1 >>> 24), b13h = (t1 << 8) | (t0 >>> 24);
    t0 = a20l ^ d0l; t1 = a20h ^ d0h; // lane 20, offset 18
    const b14l = (t0 << 18) | (t1 >>> 14), b14h = (t1 << 18) | (t0 >>> 14);
    t0 = a4l ^ d4l; t1 = a4h ^ d4h; // lane 4, offset 27
    const b15l = (t0 << 27) | (t1 >>> 5), b15h = (t1 << 27) | (t0 >>> 5);
    t0 = a5h ^ d0h; t1 = a5l ^ d0l; // lane 5, offset 36
    const b16l = (t0 << 4) | (t1 >>> 28), b16h = (t1 << 4) | (t0 >>> 28);
    t0 = a11l ^ d1l; t1 = a11h ^ d1h; // lane 11, offset 10
    const b17l = (t0 << 10) | (t1 >>> 22), b17h = (t1 << 10) | (t0 >>> 22);
    t0 = a17l ^ d2l; t1 = a17h ^ d2h; // lane 17, offset 15
    const b18l = (t0 << 15) | (t1 >>> 17), b18h = (t1 << 15) | (t0 >>> 17);
    t0 = a23h ^ d3h; t1 = a23l ^ d3l; // lane 23, offset 56
    const b19l = (t0 << 24) | (t1 >>> 8), b19h = (t1 << 24) | (t0 >>> 8);
    t0 = a2h ^ d2h; t1 = a2l ^ d2l; // lane 2, offset 62
    const b20l = (t0 << 30) | (t1 >>> 2), b20h = (t1 << 30) | (t0 >>> 2);
    t0 = a8h ^ d3h; t1 = a8l ^ d3l; // lane 8, offset 55
    const b21l = (t0 << 23) | (t1 >>> 9), b21h = (t1 << 23) | (t0 >>> 9);
    t0 = a14h ^ d4h; t1 = a14l ^ d4l; // lane 14, offset 39
    const b22l = (t0 << 7) | (t1 >>> 25), b22h = (t1 << 7) | (t0 >>> 25);
    t0 = a15h ^ d0h; t1 = a15l ^ d0l; // lane 15, offset 41
    const b23l = (t0 << 9) | (t1 >>> 23), b23h = (t1 << 9) | (t0 >>> 23);
    t0 = a21l ^ d1l; t1 = a21h ^ d1h; // lane 21, offset 2
    const b24l = (t0 << 2) | (t1 >>> 30), b24h = (t1 << 2) | (t0 >>> 30);
    // χ: in each row, lane ^= ~(next lane) & (the lane after that); then ι on lane 0.
    a0l = b0l ^ (~b1l & b2l); a0h = b0h ^ (~b1h & b2h);
    a1l = b1l ^ (~b2l & b3l); a1h = b1h ^ (~b2h & b3h);
    a2l = b2l ^ (~b3l & b4l); a2h = b2h ^ (~b3h & b4h);
    a3l = b3l ^ (~b4l & b0l); a3h = b3h ^ (~b4h & b0h);
    a4l = b4l ^ (~b0l & b1l); a4h = b4h ^ (~b0h & b1h);
    a5l = b5l ^ (~b6l & b7l); a5h = b5h ^ (~b6h & b7h);
    a6l = b6l ^ (~b7l & b8l); a6h = b6h ^ (~b7h & b8h);
    a7l = b7l ^ (~b8l & b9l); a7h = b7h ^ (~b8h & b9h);
    a8l = b8l ^ (~b9l & b5l); a8h = b8h ^ (~b9h & b5h);
    a9l = b9l ^ (~b5l & b6l); a9h = b9h ^ (~b5h & b6h);
    a10l = b10l ^ (~b11l & b12l); a10h = b10h ^ (~b11h & b12h);
    a11l = b11l ^ (~b12l & b13l); a11h = b11h ^ (~b12h & b13h);
    a12l = b12l ^ (~b13l & b14l); a12h = b12h ^ (~b13h & b14h);
    a13l = b13l ^ (~b14l & b10l); a13h = b13h ^ (~b14h & b10h);
    a14l = b14l ^ (~b10l & b11l); a14h = b14h ^ (~b10h & b11h);
    a15l = b15l ^ (~b16l & b17l); a15h = b15h ^ (~b16h & b17h);
    a16l = b16l ^ (~b17l & b18l); a16h = b16h ^ (~b17h & b18h);
    a17l = b17l ^ (~b18l & b19l); a17h = b17h ^ (~b18h & b19h);
    a18l = b18l ^ (~b19l & b15l); a18h = b18h ^ (~b19h & b15h);
    a19l = b19l ^ (~b15l & b16l); a19h = b19h ^ (~b15h & b16h);
    a20l = b20l ^ (~b21l & b22l); a20h = b20h ^ (~b21h & b22h);
    a21l = b21l ^ (~b22l & b23l); a21h = b21h ^ (~b22h & b23h);
    a22l = b22l ^ (~b23l & b24l); a22h = b22h ^ (~b23h & b24h);
    a23l = b23l ^ (~b24l & b20l); a23h = b23h ^ (~b24h & b20h);
    a24l = b24l ^ (~b20l & b21l); a24h = b24h ^ (~b20h & b21h);
    a0l ^= ROUND_CONSTANTS[round]!; a0h ^= ROUND_CONSTANTS[round + 1]!;
  }
  s[0] = a0l; s[1] = a0h; s[2] = a1l; s[3] = a1h; s[4] = a2l; s[5] = a2h; s[6] = a3l; s[7] = a3h;
  s[8] = a4l; s[9] = a4h; s[10] = a5l; s[11] = a5h; s[12] = a6l; s[13] = a6h; s[14] = a7l; s[15] = a7h;
  s[16] = a8l; s[17] = a8h; s[18] = a9l; s[19] = a9h; s[20] = a10l; s[21] = a10h; s[22] = a11l; s[23] = a11h;
  s[24] = a12l; s[25] = a12h; s[26] = a13l; s[27] = a13h; s[28] = a14l; s[29] = a14h;
  s[30] = a15l; s[31] = a15h; s[32] = a16l; s[33] = a16h; s[34] = a17l; s[35] = a17h;
  s[36] = a18l; s[37] = a18h; s[38] = a19l; s[39] = a19h; s[40] = a20l; s[41] = a20h;
  s[42] = a21l; s[43] = a21h; s[44] = a22l; s[45] = a22h; s[46] = a23l; s[47] = a23h;
  s[48] = a24l; s[49] = a24h;
}

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

/** The sponge state, reused: shake128 runs to completion without calling out, so calls cannot overlap. */
const STATE = new Int32Array(50);

export function shake128(input: Uint8Array | string, outputLength: number): Uint8Array {
  const data = typeof input === "string" ? utf8Bytes(input) : input;
  const s = STATE;
  s.fill(0);

  let offset = 0;
  for (; data.length - offset >= RATE_BYTES; offset += RATE_BYTES) {
    for (let w = 0, i = offset; w < RATE_WORDS; w++, i += 4) {
      s[w] = s[w]! ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    }
    keccakF1600(s);
  }
  // The last block is always partial, possibly empty: the rest of the input, SHAKE's domain
  // suffix 1111 with the first pad10*1 bit (0x1f), and the final pad bit (0x80 in the last byte).
  const rest = data.length - offset;
  for (let i = 0; i < rest; i++) s[i >> 2] = s[i >> 2]! ^ (data[offset + i]! << ((i & 3) * 8));
  s[rest >> 2] = s[rest >> 2]! ^ (0x1f << ((rest & 3) * 8));
  s[RATE_WORDS - 1] = s[RATE_WORDS - 1]! ^ (0x80 << 24);
  keccakF1600(s);

  const out = new Uint8Array(outputLength);
  for (let produced = 0; ;) {
    const n = Math.min(RATE_BYTES, outputLength - produced);
    for (let i = 0; i < n; i++) out[produced + i] = s[i >> 2]! >>> ((i & 3) * 8);
    produced += n;
    if (produced >= outputLength) break;
    keccakF1600(s);
  }
  return out;
}
