import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDuration, parseInputs } from "./parse-inputs.ts";
import { diffValues } from "./diff-values.ts";
import { decodeKubeconfig, kubeconfigSecrets } from "./kubeconfig-text.ts";

const base = { GITHUB_REPOSITORY: "Acme/Foo", GITHUB_REF: "refs/tags/v1.2.3" };

describe("parseInputs", () => {
  const cases: { name: string; env: Record<string, string>; image?: string; error?: RegExp }[] = [
    { name: "tag from the ref, image from the repository", env: base, image: "ghcr.io/acme/foo:v1.2.3" },
    { name: "tag input wins", env: { ...base, INPUT_TAG: "v2" }, image: "ghcr.io/acme/foo:v2" },
    {
      name: "image repository gets the tag",
      env: { ...base, INPUT_IMAGE: "registry.example.com/x/y" },
      image: "registry.example.com/x/y:v1.2.3",
    },
    {
      name: "image with a tag is taken as is, on any ref",
      env: { INPUT_IMAGE: "example.com/x:v9", GITHUB_REF: "refs/heads/main" },
      image: "example.com/x:v9",
    },
    {
      name: "branch ref without tag",
      env: { ...base, GITHUB_REF: "refs/heads/main" },
      error: /"tag" is empty/,
    },
    { name: "unknown mode", env: { ...base, INPUT_MODE: "destroy" }, error: /"mode" is "destroy"/ },
    { name: "unknown kind", env: { ...base, INPUT_KIND: "Pod" }, error: /"kind" is "Pod"/ },
    { name: "bad timeout", env: { ...base, INPUT_TIMEOUT: "soon" }, error: /"timeout" is "soon"/ },
    { name: "bad wait", env: { ...base, INPUT_WAIT: "yes" }, error: /"wait" is "yes"/ },
    { name: "bad tag", env: { ...base, INPUT_TAG: "v 1" }, error: /not a valid image reference/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.error) assert.throws(() => parseInputs(c.env), c.error);
      else assert.equal(parseInputs(c.env).image, c.image);
    });
  }
});

describe("parseDuration", () => {
  for (const [text, ms] of [
    ["90", 90_000],
    ["90s", 90_000],
    ["10m", 600_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    ["10x", undefined],
    ["", undefined],
  ] as const) {
    it(JSON.stringify(text), () => assert.equal(parseDuration(text), ms));
  }
});

describe("diffValues", () => {
  it("lists added, removed and changed leaves by path", () => {
    assert.deepEqual(
      diffValues(
        { image: "a:1", env: [{ name: "X", value: "1" }], runReplicas: 2 },
        { image: "a:2", env: [{ name: "X", value: "1" }], verbosity: "INFO" },
        "spec",
      ),
      ['~ spec.image: "a:1" → "a:2"', "- spec.runReplicas: 2", '+ spec.verbosity: "INFO"'],
    );
  });
  it("is empty when nothing changes", () => assert.deepEqual(diffValues({ a: [1] }, { a: [1] }, "spec"), []));
});

describe("decodeKubeconfig", () => {
  const yaml = "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: s3cr3t-token\n";
  it("takes YAML as is and base64 decoded", () => {
    assert.equal(decodeKubeconfig(yaml), yaml);
    assert.equal(decodeKubeconfig(Buffer.from(yaml).toString("base64")), yaml);
  });
  it("refuses anything else", () =>
    assert.throws(() => decodeKubeconfig("hello"), /neither kubeconfig YAML/));
  it("masks the credentials and the base64 input", () => {
    const b64 = Buffer.from(yaml).toString("base64");
    assert.deepEqual(kubeconfigSecrets(b64, yaml).sort(), [b64, "s3cr3t-token"].sort());
    assert.deepEqual(kubeconfigSecrets(yaml, yaml), ["s3cr3t-token"]);
  });
});
