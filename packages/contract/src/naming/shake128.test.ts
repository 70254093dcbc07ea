import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { shake128, utf8Bytes } from "./shake128.ts";

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

function reference(input: Uint8Array | string, outputLength: number): string {
  return createHash("shake128", { outputLength }).update(input).digest("hex");
}

/** mulberry32: a small seeded generator, so a failure names an input that can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

void describe("shake128 against node:crypto", () => {
  void it("matches for every input length 0..600 with random output lengths 1..400", () => {
    const random = prng(0x5ac1e128);
    // The first inputs get output lengths around the 168-byte rate, where squeezing goes wrong.
    const edges = [1, 2, 3, 4, 5, 7, 8, 9, 167, 168, 169, 335, 336, 337, 399, 400];
    for (let length = 0; length <= 600; length++) {
      const input = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      const outputLength = edges[length] ?? 1 + Math.floor(random() * 400);
      assert.equal(
        hex(shake128(input, outputLength)),
        reference(input, outputLength),
        `input length ${length}, output length ${outputLength}`,
      );
    }
  });

  void it("matches for random input and output lengths", () => {
    const random = prng(42);
    for (let n = 0; n < 200; n++) {
      const input = Uint8Array.from({ length: Math.floor(random() * 601) }, () => Math.floor(random() * 256));
      const outputLength = 1 + Math.floor(random() * 400);
      assert.equal(hex(shake128(input, outputLength)), reference(input, outputLength));
    }
  });

  void it("hashes strings as UTF-8", () => {
    for (const s of ["", "abc", "ä€😀 mixed", "x".repeat(167) + "€", "😀".repeat(100)]) {
      assert.equal(hex(shake128(s, 32)), reference(s, 32), JSON.stringify(s.slice(0, 20)));
    }
  });

  void it("reads a subarray from its own offset", () => {
    const backing = Uint8Array.from({ length: 400 }, (_, i) => (i * 7) & 0xff);
    const view = backing.subarray(3, 3 + 250);
    assert.equal(hex(shake128(view, 48)), reference(view, 48));
  });

  void it("carries no state from one call to the next", () => {
    const first = hex(shake128("example", 64));
    shake128(new Uint8Array(1000).fill(0xff), 1000);
    assert.equal(hex(shake128("example", 64)), first);
  });

  void it("returns an empty output for length 0", () => {
    assert.equal(shake128("abc", 0).length, 0);
  });
});

void describe("utf8Bytes", () => {
  void it("matches TextEncoder on well-formed strings", () => {
    const encoder = new TextEncoder();
    for (const s of ["", "plain ascii", "ß", "€", "\u07ff\u0800\uffff", "😀", "a😀b𝄞c", "\u{10ffff}"]) {
      assert.deepEqual(utf8Bytes(s), encoder.encode(s), JSON.stringify(s));
    }
  });

  void it("encodes a lone surrogate as its code point, as before", () => {
    assert.deepEqual(utf8Bytes("\ud800"), Uint8Array.from([0xed, 0xa0, 0x80]));
    assert.deepEqual(utf8Bytes("a\udc00"), Uint8Array.from([0x61, 0xed, 0xb0, 0x80]));
  });
});
