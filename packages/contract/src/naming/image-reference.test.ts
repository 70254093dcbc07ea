import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { IMAGE_REFERENCE_PATTERN, parseImageReference } from "./image-reference.ts";

void describe("parseImageReference", () => {
  const valid: [string, Record<string, string>][] = [
    ["test-image:v0.1.0", { repository: "test-image", tag: "v0.1.0" }],
    ["nginx", { repository: "nginx" }],
    ["library/nginx:1.27-alpine", { repository: "library/nginx", tag: "1.27-alpine" }],
    [
      "ghcr.io/openmcp-project/images/cluster-provider-gardener:v0.4.0",
      { registry: "ghcr.io", repository: "openmcp-project/images/cluster-provider-gardener", tag: "v0.4.0" },
    ],
    ["localhost:5000/x/y:dev", { registry: "localhost:5000", repository: "x/y", tag: "dev" }],
    ["localhost/x", { registry: "localhost", repository: "x" }],
    [
      "Registry.Example.com/a__b/c-d--e.f:V_1.x",
      { registry: "Registry.Example.com", repository: "a__b/c-d--e.f", tag: "V_1.x" },
    ],
    [
      `ghcr.io/x/y:v1@sha256:${"0123456789abcdef".repeat(4)}`,
      { registry: "ghcr.io", repository: "x/y", tag: "v1", digest: `sha256:${"0123456789abcdef".repeat(4)}` },
    ],
  ];
  for (const [reference, want] of valid) {
    void it(`accepts ${reference}`, () => {
      assert.deepEqual(parseImageReference(reference), { ok: true, value: want });
    });
  }
  const invalid: [string, RegExp][] = [
    ["", /must not be empty/],
    ["foo bar:v1", /must not contain whitespace/],
    ["foo:v1\n", /must not contain whitespace/],
    ["ghcr.io/Example/x:v1", /repository "Example\/x" must be lower case/],
    ["Nginx", /repository "Nginx" must be lower case/],
    ["x:", /tag after ':' must not be empty/],
    ["x@sha256:abc", /digest "sha256:abc" must look like/],
    ["x:-v1", /must look like \[registry\[:port\]\/\]repository/],
    ["-x", /must look like/],
    ["x//y", /must look like/],
    [`x:${"a".repeat(129)}`, /must look like/],
    [`${"a/".repeat(130)}a`, /at most 255 are allowed/],
    ["a".repeat(1025), /at most 1024 are allowed/],
  ];
  for (const [reference, want] of invalid) {
    void it(`rejects ${JSON.stringify(reference.slice(0, 40))}`, () => {
      const got = parseImageReference(reference);
      assert.equal(got.ok, false);
      if (!got.ok) assert.match(got.error, want);
    });
  }
  void it("stays fast on inputs built to make the expression backtrack", () => {
    const inputs = [
      `${"a-".repeat(500)}!`,
      `${"a.".repeat(500)}/!`,
      "a__".repeat(300),
      `x:${"a".repeat(1000)}`,
    ];
    const start = Date.now();
    for (const input of inputs) parseImageReference(input);
    assert.ok(Date.now() - start < 500, `took ${Date.now() - start} ms`);
  });
  void it("has a pattern that a CEL single-quoted string can hold unchanged", () => {
    assert.doesNotMatch(IMAGE_REFERENCE_PATTERN, /['\\]/);
  });
});
