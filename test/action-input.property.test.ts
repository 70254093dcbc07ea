import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import {
  API_VERSION,
  MAX_RUN_REPLICAS,
  PROVIDER_KINDS,
  RESERVED_ENV_NAMES,
  TOPOLOGY_WHEN_UNSATISFIABLE,
  VERBOSITIES,
  WEBHOOK_VOLUME_NAME,
  maxProviderNameLength,
  parseImageReference,
  validateProvider,
} from "@openmcp-ts/contract";
// Relative imports: @openmcp-ts/action is not a dependency of the test package.
import { MODES, parseDuration, parseInputs } from "../packages/action/src/parse-inputs.ts";
import { buildProvider } from "../packages/action/src/build-provider.ts";
import { decodeKubeconfig, kubeconfigSecrets } from "../packages/action/src/kubeconfig-text.ts";

/**
 * Bad input (issue 8), the action's side: generated inputs for parseInputs, manifest files for
 * buildProvider and kubeconfigs for decodeKubeconfig/kubeconfigSecrets. Pure, no cluster. Every
 * input is either accepted (and then valid) or rejected with an Error that names it.
 *
 * Reproduce with PROPERTY_SEED=<seed> (fast-check prints it on failure); explore with
 * PROPERTY_SEED=$RANDOM PROPERTY_RUNS=1000.
 */

const SEED = Number(process.env.PROPERTY_SEED ?? 20268);
const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 200);
const options = { seed: SEED, numRuns: NUM_RUNS };

/** The first thrown value, or undefined when `f` returns. */
function thrown(f: () => unknown): unknown {
  try {
    f();
    return undefined;
  } catch (err) {
    return err;
  }
}

function assertPlainError(err: unknown): asserts err is Error {
  assert.ok(err instanceof Error, `threw a non-Error: ${String(err)}`);
  assert.equal(err.constructor, Error, `threw a ${err.constructor.name}, not an Error: ${err.message}`);
}

// ---------------------------------------------------------------------------------------------
// parseInputs / parseDuration
// ---------------------------------------------------------------------------------------------

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const validTag = fc.stringMatching(TAG);
const pathComponent = fc.stringMatching(/^[a-z0-9]{1,8}([._-][a-z0-9]{1,8}){0,2}$/);
/** `owner/repo` as GitHub spells it, in any case; lower-cased it is a valid image path. */
const githubRepository = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9]{1,12}$/), pathComponent, fc.boolean())
  .map(([owner, repo, upper]) => `${owner}/${upper ? repo.toUpperCase() : repo}`);
/** Image names without tag or digest. */
const imageName = fc.oneof(
  fc.constantFrom("registry.example.com/x/y", "localhost:5000/foo", "ghcr.io/acme/provider", "busybox"),
  fc.tuple(fc.constantFrom("", "ghcr.io/", "example.com:5000/"), pathComponent).map(([r, p]) => r + p),
);
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const garbage = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(
    "",
    " ",
    "v 1",
    "v1:2",
    "v1/2",
    "-v1",
    ".v1",
    "v1+build",
    "Ünïcode",
    "x".repeat(200),
    "\u0000",
  ),
);

/** What a step's `with:` can hold: absent, valid, or anything at all, sometimes padded with spaces. */
function input(valid: fc.Arbitrary<string>): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    valid,
    garbage,
    valid.map((v) => ` ${v}\n`),
  );
}

const anyEnv = fc.record(
  {
    INPUT_MODE: input(fc.constantFrom(...MODES)),
    INPUT_KIND: input(fc.constantFrom(...PROVIDER_KINDS)),
    INPUT_IMAGE: input(
      fc.oneof(
        imageName,
        fc.tuple(imageName, validTag).map(([n, t]) => `${n}:${t}`),
        imageName.map((n) => `${n}@${DIGEST}`),
      ),
    ),
    INPUT_TAG: input(validTag),
    INPUT_WAIT: input(fc.constantFrom("true", "false", "TRUE", "False")),
    INPUT_TIMEOUT: input(fc.constantFrom("90", "90s", "10m", "1h30m", "500ms", "0", "0s")),
    GITHUB_REF: fc.oneof(
      fc.constant(undefined),
      validTag.map((t) => `refs/tags/${t}`),
      garbage.map((t) => `refs/tags/${t}`),
      fc.constantFrom("refs/heads/main", "refs/pull/1/merge", "", "refs/tags/"),
    ),
    GITHUB_REPOSITORY: fc.oneof(fc.constant(undefined), githubRepository, garbage),
  },
  { requiredKeys: [] },
);

/** Every message must say which input (or runner variable) is wrong. */
const NAMES_AN_INPUT = /input "(mode|kind|tag|image|wait|timeout)"|GITHUB_REF|GITHUB_REPOSITORY/;

describe("parseInputs (property)", () => {
  it("returns valid inputs or throws an Error that names the input", () => {
    fc.assert(
      fc.property(anyEnv, (env) => {
        const err = thrown(() => parseInputs(env));
        if (err !== undefined) {
          assertPlainError(err);
          assert.ok(NAMES_AN_INPUT.test(err.message), `names no input: ${err.message}`);
          return;
        }
        const inputs = parseInputs(env);
        const parsed = parseImageReference(inputs.image);
        assert.ok(parsed.ok, `returned an invalid image ${JSON.stringify(inputs.image)}`);
        assert.ok(parsed.value.tag !== undefined || parsed.value.digest !== undefined, inputs.image);
        assert.ok((MODES as readonly string[]).includes(inputs.mode));
        assert.ok((PROVIDER_KINDS as readonly string[]).includes(inputs.kind));
        assert.ok(inputs.timeoutMs > 0);
      }),
      options,
    );
  });

  it("takes the tag from refs/tags/<tag> unchanged, and the tag input over it", () => {
    fc.assert(
      fc.property(
        githubRepository,
        validTag,
        fc.option(validTag, { nil: undefined }),
        fc.option(imageName, { nil: undefined }),
        (repository, refTag, tagInput, image) => {
          const env = {
            GITHUB_REPOSITORY: repository,
            GITHUB_REF: `refs/tags/${refTag}`,
            ...(tagInput === undefined ? {} : { INPUT_TAG: tagInput }),
            ...(image === undefined ? {} : { INPUT_IMAGE: image }),
          };
          const tag = tagInput ?? refTag;
          const base = image ?? `ghcr.io/${repository.toLowerCase()}`;
          const inputs = parseInputs(env);
          assert.equal(inputs.image, `${base}:${tag}`);
          const parsed = parseImageReference(inputs.image);
          assert.ok(parsed.ok && parsed.value.tag === tag, inputs.image);
        },
      ),
      options,
    );
  });

  it('rejects a ref that is not a tag when no tag is given, naming input "tag" and the ref', () => {
    const notATag = fc.oneof(
      fc.constantFrom("refs/heads/main", "refs/pull/7/merge", "refs/tag/v1", "tags/v1", "refs/tags/", ""),
      garbage.filter((r) => !r.startsWith("refs/tags/")),
    );
    fc.assert(
      fc.property(
        notATag,
        githubRepository,
        fc.option(imageName, { nil: undefined }),
        fc.constantFrom(undefined, "", "  "),
        (ref, repository, image, tag) => {
          const env = {
            GITHUB_REF: ref,
            GITHUB_REPOSITORY: repository,
            ...(image === undefined ? {} : { INPUT_IMAGE: image }),
            ...(tag === undefined ? {} : { INPUT_TAG: tag }),
          };
          assert.throws(
            () => parseInputs(env),
            (err: unknown) => {
              assertPlainError(err);
              assert.match(err.message, /input "tag" is empty/);
              assert.ok(err.message.includes(`GITHUB_REF ${JSON.stringify(ref)}`), err.message);
              return true;
            },
          );
        },
      ),
      options,
    );
  });

  it("names the one bad input among good ones", () => {
    const good = {
      GITHUB_REPOSITORY: "acme/provider",
      GITHUB_REF: "refs/tags/v1.0.0",
      INPUT_MODE: "deploy",
      INPUT_KIND: "ServiceProvider",
      INPUT_WAIT: "true",
      INPUT_TIMEOUT: "5m",
    };
    const nonEmpty = (s: string): boolean => s.trim() !== "";
    const bad = fc.oneof(
      garbage
        .filter((m) => nonEmpty(m) && !(MODES as readonly string[]).includes(m.trim()))
        .map((v) => ({ input: "mode", v })),
      garbage
        .filter((k) => nonEmpty(k) && !(PROVIDER_KINDS as readonly string[]).includes(k.trim()))
        .map((v) => ({ input: "kind", v })),
      garbage
        .filter((w) => nonEmpty(w) && !["true", "false"].includes(w.trim().toLowerCase()))
        .map((v) => ({ input: "wait", v })),
      fc
        .oneof(garbage, fc.constantFrom("0", "0s", "0.0h", "-1s", "10d", "1.5", "1e3", "5 m", "m", "1h 30m"))
        .filter((t) => {
          const ms = parseDuration(t.trim());
          return nonEmpty(t) && (ms === undefined || ms <= 0);
        })
        .map((v) => ({ input: "timeout", v })),
      garbage
        .filter((t) => nonEmpty(t) && !parseImageReference(`ghcr.io/acme/provider:${t.trim()}`).ok)
        .map((v) => ({ input: "tag", v })),
      fc
        .oneof(
          garbage,
          fc.constantFrom("Acme/Provider", "ghcr.io/Acme/foo:v1", "a b", "foo::", "-x", "x@sha256:1"),
        )
        .filter(
          (i) =>
            nonEmpty(i) && !parseImageReference(i.trim()).ok && !parseImageReference(`${i.trim()}:v1.0.0`).ok,
        )
        .map((v) => ({ input: "image", v })),
    );
    fc.assert(
      fc.property(bad, ({ input: name, v }) => {
        const err = thrown(() => parseInputs({ ...good, [`INPUT_${name.toUpperCase()}`]: v }));
        assertPlainError(err);
        if (name === "tag" || name === "image") {
          assert.ok(err.message.includes(`input "${name}"`), err.message);
        } else {
          assert.ok(err.message.startsWith(`input "${name}" is `), err.message);
        }
      }),
      options,
    );
  });

  // Was a bug: an upper-case image input with a tag was taken for one without a tag, and the error
  // blamed the empty "tag" input (or appended the tag a second time).
  it("an invalid image input is reported as such, not as a missing tag", () => {
    for (const env of [
      { INPUT_IMAGE: "ghcr.io/Acme/foo:v1", GITHUB_REF: "refs/heads/main" },
      { INPUT_IMAGE: "ghcr.io/Acme/foo:v1", INPUT_TAG: "v2", GITHUB_REF: "refs/heads/main" },
    ]) {
      assert.throws(() => parseInputs(env), /input "image".*lower case/);
    }
  });

  // Was a bug: a git tag that is no valid image tag (git allows "+") failed with a message naming
  // neither GITHUB_REF nor input "tag".
  it("an invalid tag from GITHUB_REF is traced back to the ref", () => {
    assert.throws(
      () => parseInputs({ GITHUB_REPOSITORY: "acme/foo", GITHUB_REF: "refs/tags/v1.0+build" }),
      /GITHUB_REF|input "tag"/,
    );
  });
});

describe("parseDuration (property)", () => {
  const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  const part = fc.tuple(
    fc.integer({ min: 0, max: 10_000 }),
    fc.constantFrom("", ".5", ".25"),
    fc.constantFrom(...(Object.keys(UNIT_MS) as (keyof typeof UNIT_MS)[])),
  );

  it("sums Go-style parts exactly and treats a bare number as seconds", () => {
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 1e6 }),
        (parts, n) => {
          const text = parts.map(([i, f, u]) => `${i}${f}${u}`).join("");
          const want = parts.reduce((sum, [i, f, u]) => sum + Number(`${i}${f}`) * UNIT_MS[u], 0);
          assert.equal(parseDuration(text), want);
          assert.equal(parseDuration(String(n)), n * 1000);
          if (want > 0) {
            assert.equal(
              parseInputs({ GITHUB_REF: "refs/tags/v1", GITHUB_REPOSITORY: "a/b", INPUT_TIMEOUT: text })
                .timeoutMs,
              want,
            );
          }
        },
      ),
      options,
    );
  });

  it("never throws: any text is undefined or a duration of at least 0", () => {
    fc.assert(
      fc.property(fc.oneof(garbage, fc.string({ unit: "grapheme-ascii", maxLength: 30 })), (text) => {
        const ms = parseDuration(text);
        assert.ok(ms === undefined || ms >= 0, `${JSON.stringify(text)} → ${ms}`);
      }),
      options,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// buildProvider: manifest files
// ---------------------------------------------------------------------------------------------

type Doc = Record<string, unknown>;
type Spec = Record<string, unknown>;

/** How the action should treat a mutated manifest. */
type Expect =
  | { accept: true }
  /** Rejected by validateProvider, the message naming this field path. */
  | { field: string }
  | { yaml: true }
  | { notObject: true }
  | { unreadable: true }
  /** No name anywhere: rejected naming input "name" and metadata.name. */
  | { noName: true };

interface Mutation {
  label: string;
  expect: Expect;
  /** Applied to the valid document. */
  edit?: (doc: Doc) => void;
  /** Replaces the file's whole text. */
  text?: (valid: string) => string;
  /** Instead of a file, a path that cannot be read. */
  unreadable?: "missing" | "directory";
  /** The mutation touches only metadata.name, which a non-empty "name" input replaces. */
  nameOnly?: boolean;
}

const MAX_NAME = maxProviderNameLength();
const providerName = fc.stringMatching(new RegExp(`^[a-z0-9]([a-z0-9-]{0,${MAX_NAME - 2}}[a-z0-9])?$`));
const dnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/);
const subdomain = fc.stringMatching(/^[a-z0-9]{1,8}(\.[a-z0-9]{1,8}){0,2}$/);
const envName = fc
  .stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,15}$/)
  .filter((n) => !RESERVED_ENV_NAMES.includes(n));

const validSpec: fc.Arbitrary<Spec> = fc
  .record(
    {
      imagePullSecrets: fc.array(fc.record({ name: subdomain }), { maxLength: 2 }),
      initCommand: fc.array(fc.string({ unit: "grapheme", maxLength: 10 }), { maxLength: 3 }),
      runCommand: fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
      env: fc.uniqueArray(
        fc.record(
          { name: envName, value: fc.string({ unit: "grapheme", maxLength: 20 }) },
          { requiredKeys: ["name"] },
        ),
        { maxLength: 4, selector: (e) => e.name },
      ),
      verbosity: fc.constantFrom(...VERBOSITIES),
      runReplicas: fc.integer({ min: 1, max: MAX_RUN_REPLICAS }),
      volumes: fc.uniqueArray(
        dnsLabel.filter((n) => n !== WEBHOOK_VOLUME_NAME),
        { maxLength: 3 },
      ),
      topologySpreadConstraints: fc.uniqueArray(
        fc.record({
          topologyKey: fc.constantFrom("kubernetes.io/hostname", "topology.kubernetes.io/zone", "rack"),
          maxSkew: fc.integer({ min: 1, max: 5 }),
          whenUnsatisfiable: fc.constantFrom(...TOPOLOGY_WHEN_UNSATISFIABLE),
        }),
        { maxLength: 2, selector: (c) => c.topologyKey },
      ),
      metrics: fc.record(
        {
          disabled: fc.boolean(),
          port: fc.integer({ min: 1, max: 65535 }),
          path: fc.constantFrom("/metrics", "/m"),
        },
        { requiredKeys: ["disabled"] },
      ),
    },
    { requiredKeys: [] },
  )
  .map(({ volumes, ...spec }) => {
    if (volumes === undefined || volumes.length === 0) return spec;
    return {
      ...spec,
      extraVolumes: volumes.map((name) => ({ name, emptyDir: {} })),
      extraVolumeMounts: volumes.map((name, i) => ({ name, mountPath: `/data/${i}`, readOnly: i % 2 === 0 })),
    };
  });

/** Values of the wrong type for a field that wants `want`. */
function wrongTypes(want: "string" | "integer" | "list" | "object" | "boolean"): fc.Arbitrary<unknown> {
  const all: Record<typeof want, unknown[]> = {
    string: [1, true, [], { a: 1 }],
    integer: ["3", 1.5, true, [1], { n: 1 }, null, Number.POSITIVE_INFINITY, Number.NaN],
    list: ["a", 1, { a: 1 }, true],
    object: ["a", 1, [1], true],
    boolean: ["true", 1, [], {}],
  };
  return fc.constantFrom(...all[want]);
}

const HUGE = 200_000;

/** Values YAML cannot hold as JSON (NaN, ±Infinity) are written as YAML text by stringify. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ label: "valid", expect: { accept: true } }),
  fc.constant<Mutation>({
    label: "unknown spec field and status",
    expect: { accept: true },
    edit: (d) => {
      (d.spec as Spec).somethingNew = { x: "y".repeat(1000) };
      d.status = { phase: "Ready" };
    },
  }),
  fc.constant<Mutation>({
    label: "huge env value",
    expect: { accept: true },
    edit: (d) => void ((d.spec as Spec).env = [{ name: "BIG", value: "v".repeat(HUGE) }]),
  }),
  fc.constant<Mutation>({
    label: "leading document marker",
    expect: { accept: true },
    text: (t) => `---\n${t}`,
  }),
  fc.constant<Mutation>({
    label: "comment only",
    expect: { notObject: true },
    text: () => "# nothing here\n",
  }),
  fc.constant<Mutation>({ label: "empty file", expect: { notObject: true }, text: () => "" }),
  fc
    .constantFrom("- a\n- b\n", "just a string\n", "42\n", "~\n", "[1, 2]\n", "true\n", '"{}"\n')
    .map((t): Mutation => ({
      label: `not an object: ${JSON.stringify(t)}`,
      expect: { notObject: true },
      text: () => t,
    })),
  fc.constant<Mutation>({ label: "two documents", expect: { yaml: true }, text: (t) => `${t}\n---\n${t}` }),
  fc
    .constantFrom(
      "metadata: {name: x\n",
      "spec:\n\t- tab\n",
      "a: 1\na: 2\n",
      "key: [unclosed\n",
      "{{{\n",
      ": :\n",
    )
    .map((t): Mutation => ({
      label: `not YAML: ${JSON.stringify(t)}`,
      expect: { yaml: true },
      text: () => t,
    })),
  fc.constant<Mutation>({
    label: "alias bomb",
    expect: { yaml: true },
    text: (t) => {
      const lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
      for (let i = 1; i < 10; i++)
        lines.push(
          `l${i}: &l${i} [${Array(9)
            .fill(`*l${i - 1}`)
            .join(", ")}]`,
        );
      return `${t}${lines.join("\n")}\n`;
    },
  }),
  fc
    .constantFrom<"missing" | "directory">("missing", "directory")
    .map((u): Mutation => ({ label: `unreadable (${u})`, expect: { unreadable: true }, unreadable: u })),
  // Kinds and versions.
  fc
    .oneof(fc.constantFrom("Pod", "", "serviceprovider", "Provider"), wrongTypes("string"))
    .map((k): Mutation => ({
      label: `kind ${JSON.stringify(k)}`,
      expect: { field: "kind" },
      edit: (d) => void (d.kind = k),
    })),
  fc.constantFrom("v1", "openmcp.cloud/v1", "", 1).map((v): Mutation => ({
    label: `apiVersion ${String(v)}`,
    expect: { field: "apiVersion" },
    edit: (d) => void (d.apiVersion = v),
  })),
  // Names.
  fc
    .oneof(
      fc.tuple(providerName, providerName).map(([a, b]) => `${a}.${b}`),
      fc.integer({ min: MAX_NAME + 1, max: MAX_NAME + 40 }).map((n) => "a".repeat(n)),
      fc.constant("n".repeat(10_000)),
      fc.constantFrom("Upper", "-lead", "trail-", "under_score", "ü", "a b"),
    )
    .map((n): Mutation => ({
      label: `name ${JSON.stringify(n.slice(0, 40))}`,
      expect: { field: "metadata.name" },
      nameOnly: true,
      edit: (d) => void ((d.metadata as Doc).name = n),
    })),
  fc.constant<Mutation>({
    label: "no metadata.name",
    expect: { noName: true },
    nameOnly: true,
    edit: (d) => {
      delete (d.metadata as Doc).name;
    },
  }),
  fc.constantFrom<unknown>("x", [1], 5, null).map((m): Mutation => ({
    label: `metadata ${JSON.stringify(m)}`,
    expect: { noName: true },
    nameOnly: true,
    edit: (d) => void (d.metadata = m),
  })),
  // The spec and its fields.
  wrongTypes("object").map((s): Mutation => ({
    label: `spec ${JSON.stringify(s)}`,
    expect: { field: "spec" },
    edit: (d) => void (d.spec = s),
  })),
  fc
    .oneof(wrongTypes("integer"), fc.constantFrom(0, -1, MAX_RUN_REPLICAS + 1, 1e300, 2 ** 53))
    .map((r): Mutation => ({
      label: `runReplicas ${String(r)}`,
      expect: { field: "spec.runReplicas" },
      edit: (d) => void ((d.spec as Spec).runReplicas = r),
    })),
  fc.oneof(fc.constantFrom("TRACE", "", "Info"), wrongTypes("string")).map((v): Mutation => ({
    label: `verbosity ${JSON.stringify(v)}`,
    expect: { field: "spec.verbosity" },
    edit: (d) => void ((d.spec as Spec).verbosity = v),
  })),
  wrongTypes("list").map((e): Mutation => ({
    label: `env ${JSON.stringify(e)}`,
    expect: { field: "spec.env" },
    edit: (d) => void ((d.spec as Spec).env = e),
  })),
  fc
    .oneof(
      fc
        .constantFrom("A=B", "ä", "", "x".repeat(300), ...RESERVED_ENV_NAMES)
        .map((name) => ({ item: { name }, field: "name" })),
      wrongTypes("string").map((value) => ({ item: { name: "OK", value }, field: "value" })),
      fc.constant({
        item: { name: "OK", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
        field: "valueFrom",
      }),
    )
    .map(({ item, field }): Mutation => ({
      label: `env item ${JSON.stringify(item).slice(0, 60)}`,
      expect: { field: `spec.env[0].${field}` },
      edit: (d) => void ((d.spec as Spec).env = [item]),
    })),
  fc.oneof(fc.constantFrom(0, 65536, -80), wrongTypes("integer")).map((port): Mutation => ({
    label: `metrics.port ${String(port)}`,
    expect: { field: "spec.metrics.port" },
    edit: (d) => void ((d.spec as Spec).metrics = { disabled: false, port }),
  })),
  // Any string is a path (render adds a missing leading "/"), as in the reference's CRD.
  fc.constantFrom<unknown>(8080, true, ["/m"]).map((path): Mutation => ({
    label: `metrics.path ${String(path)}`,
    expect: { field: "spec.metrics.path" },
    edit: (d) => void ((d.spec as Spec).metrics = { disabled: false, path }),
  })),
  wrongTypes("object").map((m): Mutation => ({
    label: `metrics ${JSON.stringify(m)}`,
    expect: { field: "spec.metrics" },
    edit: (d) => void ((d.spec as Spec).metrics = m),
  })),
  fc.constantFrom("Bad_Name", "UPPER", "-x").map((name): Mutation => ({
    label: `pull secret ${name}`,
    expect: { field: "spec.imagePullSecrets[0].name" },
    edit: (d) => void ((d.spec as Spec).imagePullSecrets = [{ name }]),
  })),
  fc.oneof(wrongTypes("list"), fc.constant([1])).map((c): Mutation => ({
    label: `initCommand ${JSON.stringify(c)}`,
    expect: { field: Array.isArray(c) ? "spec.initCommand[0]" : "spec.initCommand" },
    edit: (d) => void ((d.spec as Spec).initCommand = c),
  })),
  fc.constant<Mutation>({
    label: "mount of an unknown volume",
    expect: { field: "spec.extraVolumeMounts[0].name" },
    edit: (d) => {
      (d.spec as Spec).extraVolumes = [];
      (d.spec as Spec).extraVolumeMounts = [{ name: "nowhere", mountPath: "/x" }];
    },
  }),
  fc.constantFrom("relative/path", "/".repeat(5000)).map((mountPath): Mutation => ({
    label: `mountPath ${mountPath.slice(0, 20)}`,
    expect: { field: "spec.extraVolumeMounts[0].mountPath" },
    edit: (d) => {
      (d.spec as Spec).extraVolumes = [{ name: "v", emptyDir: {} }];
      (d.spec as Spec).extraVolumeMounts = [{ name: "v", mountPath }];
    },
  })),
  wrongTypes("boolean").map((readOnly): Mutation => ({
    label: `readOnly ${JSON.stringify(readOnly)}`,
    expect: { field: "spec.extraVolumeMounts[0].readOnly" },
    edit: (d) => {
      (d.spec as Spec).extraVolumes = [{ name: "v", emptyDir: {} }];
      (d.spec as Spec).extraVolumeMounts = [{ name: "v", mountPath: "/v", readOnly }];
    },
  })),
  fc.constant<Mutation>({
    label: "topology constraint without maxSkew",
    expect: { field: "spec.topologySpreadConstraints[0].maxSkew" },
    edit: (d) =>
      void ((d.spec as Spec).topologySpreadConstraints = [
        { topologyKey: "k", whenUnsatisfiable: "DoNotSchedule" },
      ]),
  }),
);

const manifestCase = fc.record({
  kind: fc.constantFrom(...PROVIDER_KINDS),
  manifestName: providerName,
  /** Empty: the manifest supplies the name. */
  inputName: fc.oneof(fc.constant(""), providerName),
  writeApiVersion: fc.boolean(),
  writeKind: fc.boolean(),
  spec: validSpec,
  mutation,
  format: fc.constantFrom("yaml", "json", "yaml-crlf"),
});

const IMAGE = "ghcr.io/acme/provider:v1.2.3";
const RUNNER_ENV = { GITHUB_REPOSITORY: "acme/provider", GITHUB_REF: "refs/tags/v1.2.3", GITHUB_SHA: "abc" };

describe("buildProvider with generated manifests (property)", () => {
  let dir = "";
  let counter = 0;
  before(() => {
    // A space and a non-ASCII letter in the path: messages must quote it as it is.
    dir = join(mkdtempSync(join(tmpdir(), "action-input-")), "manifests ü");
    mkdirSync(dir);
  });
  after(() => rmSync(join(dir, ".."), { recursive: true, force: true }));

  function writeManifest(doc: Doc, m: Mutation, format: string): string {
    const path = join(dir, `case-${++counter}.yaml`);
    if (m.unreadable === "missing") return path;
    if (m.unreadable === "directory") {
      mkdirSync(path);
      return path;
    }
    let text = format === "json" ? JSON.stringify(doc, null, 2) : stringify(doc);
    if (m.text) text = m.text(text);
    if (format === "yaml-crlf") text = text.replace(/\n/g, "\r\n");
    writeFileSync(path, text);
    return path;
  }

  it("accepts a manifest only if the result passes validateProvider, or rejects it naming the field", () => {
    fc.assert(
      fc.property(manifestCase, (c) => {
        const doc: Doc = {
          ...(c.writeApiVersion ? { apiVersion: API_VERSION } : {}),
          ...(c.writeKind ? { kind: c.kind } : {}),
          metadata: { name: c.manifestName, labels: { team: "a" } },
          spec: { image: "ignored:0", ...c.spec },
        };
        c.mutation.edit?.(doc);
        // In JSON, NaN and Infinity become null: still the wrong type for the same field.
        const manifest = writeManifest(doc, c.mutation, c.format);
        const expect: Expect =
          c.mutation.nameOnly && c.inputName !== "" ? { accept: true } : c.mutation.expect;
        const build = (): ReturnType<typeof buildProvider> =>
          buildProvider({ kind: c.kind, name: c.inputName, image: IMAGE, manifest, env: RUNNER_ENV });

        const err = thrown(build);
        if (err === undefined) {
          const provider = build();
          assert.ok("accept" in expect, `${c.mutation.label}: accepted, expected ${JSON.stringify(expect)}`);
          assert.deepEqual(validateProvider(provider, c.kind), []);
          assert.equal(provider.kind, c.kind);
          assert.equal(provider.apiVersion, API_VERSION);
          assert.equal(provider.spec.image, IMAGE);
          assert.equal(provider.metadata.name, c.inputName || c.manifestName);
          return;
        }
        assertPlainError(err);
        const message = err.message;
        const where = `${c.mutation.label}: ${message.slice(0, 300)}`;
        if ("accept" in expect)
          assert.fail(`${c.mutation.label}: rejected, expected to be accepted: ${message}`);
        if ("noName" in expect) {
          assert.match(message, /input "name" is empty and the manifest has no metadata\.name/, where);
          return;
        }
        assert.ok(message.includes(manifest), `does not name the manifest path: ${where}`);
        if ("field" in expect)
          assert.ok(message.includes(`${expect.field}: `), `does not name ${expect.field}: ${where}`);
        if ("yaml" in expect) assert.match(message, /^cannot parse the manifest .* as YAML: /s, where);
        if ("notObject" in expect) assert.match(message, /must be one YAML object/, where);
        if ("unreadable" in expect) assert.match(message, /^cannot read the manifest /, where);
        // A huge value must not make a huge message (the name is quoted whole at the start of it).
        const manifestName = (doc.metadata as Doc | undefined)?.name;
        const name = c.inputName || (typeof manifestName === "string" ? manifestName : "");
        assert.ok(
          message.length < 2_000 + manifest.length + name.length,
          `${message.length} characters: ${where}`,
        );
      }),
      { ...options, numRuns: Math.max(NUM_RUNS, 300) },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Kubeconfig input
// ---------------------------------------------------------------------------------------------

/** Credential values as they look in real kubeconfigs: base64 data (certificates: kilobytes), bearer tokens, JWTs. */
const secretValue = fc.oneof(
  fc.uint8Array({ minLength: 6, maxLength: 3000, size: "max" }).map((b) => Buffer.from(b).toString("base64")),
  fc.stringMatching(/^[A-Za-z0-9._~-]{8,200}$/, { size: "large" }),
  fc
    .tuple(...[0, 1, 2].map(() => fc.stringMatching(/^[A-Za-z0-9_-]{4,400}$/, { size: "large" })))
    .map((parts) => parts.join(".")),
);

interface GeneratedKubeconfig {
  object: Doc;
  secrets: string[];
}

const SECRET_FIELDS = ["token", "client-certificate-data", "client-key-data", "password"] as const;
const OIDC_FIELDS = ["id-token", "refresh-token", "client-secret"] as const;

const kubeconfigObject: fc.Arbitrary<GeneratedKubeconfig> = fc
  .array(
    fc.record({
      name: fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }),
      fields: fc.subarray([...SECRET_FIELDS], { minLength: 0 }),
      oidc: fc.subarray([...OIDC_FIELDS]),
      values: fc.array(secretValue, { minLength: 7, maxLength: 7 }),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .chain((users) => fc.record({ caData: secretValue, users: fc.constant(users) }))
  .map(({ caData, users }) => {
    const secrets = [caData];
    const kubeUsers = users.map((u, i) => {
      const user: Doc = {};
      let v = 0;
      for (const f of u.fields) {
        user[f] = u.values[v]!;
        secrets.push(u.values[v++]!);
      }
      if (u.fields.includes("password")) user.username = "admin";
      if (u.oidc.length > 0) {
        const config: Doc = { "client-id": "deployer", "idp-issuer-url": "https://issuer.example.com" };
        for (const f of u.oidc) {
          config[f] = u.values[v]!;
          secrets.push(u.values[v++]!);
        }
        user["auth-provider"] = { name: "oidc", config };
      }
      return { name: `${u.name}-${i}`, user };
    });
    const object: Doc = {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "platform",
          cluster: { server: "https://10.0.0.1:6443", "certificate-authority-data": caData },
        },
      ],
      users: kubeUsers,
      contexts: kubeUsers.map((u) => ({ name: u.name, context: { cluster: "platform", user: u.name } })),
      "current-context": kubeUsers[0]!.name,
    };
    return { object, secrets };
  });

/** Renderings the action is expected to handle today. */
const RENDERINGS = {
  yaml: (o: Doc) => stringify(o),
  "yaml-indent-4": (o: Doc) => stringify(o, { indent: 4, indentSeq: false }),
  // Without folding: a folded double-quoted value is a known bug (NOT_MASKED below).
  "yaml-double-quoted": (o: Doc) =>
    stringify(o, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN", lineWidth: 0 }),
  "json-pretty": (o: Doc) => JSON.stringify(o, null, 2),
} as const;

function base64(text: string, wrap: boolean): string {
  const b64 = Buffer.from(text).toString("base64");
  return wrap ? (b64.match(/.{1,76}/g) ?? []).join("\n") : b64;
}

describe("kubeconfig input (property)", () => {
  const CLEAR =
    'cannot read input "kubeconfig": it is neither kubeconfig YAML nor base64-encoded kubeconfig YAML';
  const looksPlain = (t: string): boolean => /^\s*(apiVersion|kind|clusters|\{)/m.test(t);

  it("rejects random text and base64 garbage with the clear message, or returns text that looks like a kubeconfig", () => {
    const input = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 200 }),
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.base64String({ maxLength: 400 }),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString("base64")),
      fc.string({ maxLength: 100 }).map((t) => Buffer.from(t).toString("base64")),
    );
    fc.assert(
      fc.property(input, (text) => {
        const err = thrown(() => decodeKubeconfig(text));
        if (err === undefined) {
          const decoded = decodeKubeconfig(text);
          assert.ok(looksPlain(decoded), `accepted ${JSON.stringify(text)} as ${JSON.stringify(decoded)}`);
          return;
        }
        assertPlainError(err);
        assert.equal(err.message, CLEAR);
      }),
      options,
    );
  });

  it("decodes plain and base64 kubeconfigs (CRLF, leading whitespace, wrapped) to the same text", () => {
    fc.assert(
      fc.property(
        kubeconfigObject,
        fc.constantFrom(...(Object.keys(RENDERINGS) as (keyof typeof RENDERINGS)[])),
        fc.boolean(),
        fc.constantFrom("", "\n", "  \n\n", "\t\n"),
        fc.constantFrom("plain", "base64", "base64-wrapped"),
        (kc, rendering, crlf, lead, encoding) => {
          let text = lead + RENDERINGS[rendering](kc.object);
          if (crlf) text = text.replace(/\n/g, "\r\n");
          const given = encoding === "plain" ? text : base64(text, encoding === "base64-wrapped");
          assert.equal(decodeKubeconfig(given), text);
          // As the action calls it: after getInput's trim.
          assert.equal(decodeKubeconfig(given.trim()), encoding === "plain" ? text.trim() : text);
        },
      ),
      options,
    );
  });

  it("returns every credential value (and the base64 input) for masking", () => {
    fc.assert(
      fc.property(
        kubeconfigObject,
        fc.constantFrom(...(Object.keys(RENDERINGS) as (keyof typeof RENDERINGS)[])),
        fc.boolean(),
        fc.constantFrom("plain", "base64", "base64-wrapped"),
        (kc, rendering, crlf, encoding) => {
          let text = RENDERINGS[rendering](kc.object);
          if (crlf) text = text.replace(/\n/g, "\r\n");
          const given = (encoding === "plain" ? text : base64(text, encoding === "base64-wrapped")).trim();
          const secrets = kubeconfigSecrets(given, decodeKubeconfig(given));
          for (const s of kc.secrets)
            assert.ok(secrets.includes(s), `${JSON.stringify(s)} is not masked in\n${text}`);
          if (encoding !== "plain") assert.ok(secrets.includes(given), "the base64 input is not masked");
          assert.ok(
            secrets.every((s) => s.length >= 4),
            "masks a value too short to mean anything",
          );
        },
      ),
      options,
    );
  });

  // Were bugs when kubeconfigSecrets scanned lines for `key: value`: each kubeconfig below is valid
  // (client-node loads it) and its secret was not found, so the action would not have masked it.
  const NOT_MASKED: { name: string; text: string; secret: string }[] = [
    {
      name: "flow-style YAML",
      text: "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: s3cr3t-flow-token}}]\n",
      secret: "s3cr3t-flow-token",
    },
    {
      name: "JSON on one line",
      text: '{"apiVersion":"v1","kind":"Config","users":[{"name":"u","user":{"token":"s3cr3t-json-token"}}]}',
      secret: "s3cr3t-json-token",
    },
    {
      name: "single-quoted value",
      text: "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: 's3cr3t-quoted'\n",
      secret: "s3cr3t-quoted",
    },
    {
      name: "password with a comma",
      text: "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    username: admin\n    password: pa,ssw0rd-with-comma\n",
      secret: "pa,ssw0rd-with-comma",
    },
    {
      name: "password with a space",
      text: 'apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    username: admin\n    password: "correct horse battery"\n',
      secret: "correct horse battery",
    },
    {
      name: "double-quoted value folded over lines (as the yaml package writes values over 80 characters)",
      text: `apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: "${"a".repeat(70)}\\\n      ${"b".repeat(70)}"\n`,
      secret: "a".repeat(70) + "b".repeat(70),
    },
    {
      name: "block scalar",
      text: "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: |-\n      s3cr3t-block-token\n",
      secret: "s3cr3t-block-token",
    },
    {
      name: "auth-provider access-token",
      text: "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    auth-provider:\n      name: gcp\n      config:\n        access-token: ya29.s3cr3t-access-token\n",
      secret: "ya29.s3cr3t-access-token",
    },
  ];
  it("the kubeconfigs of the former bugs are valid and hold their secret", () => {
    for (const c of NOT_MASKED) {
      const decoded = decodeKubeconfig(c.text);
      assert.ok(JSON.stringify(parse(decoded)).includes(JSON.stringify(c.secret)), c.name);
    }
  });
  for (const c of NOT_MASKED) {
    it(`masks the secret of ${c.name}`, () => {
      const decoded = decodeKubeconfig(c.text);
      assert.ok(
        kubeconfigSecrets(c.text, decoded).includes(c.secret),
        `${JSON.stringify(c.secret)} not masked`,
      );
    });
  }
});
