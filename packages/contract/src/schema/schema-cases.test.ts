/**
 * Cases derived from the CRD schema itself: each type, required field, bound, enum, pattern,
 * list-map key and CEL rule of the provider schema, just inside and just outside, through
 * `validateProvider`. The apiserver property test (test/bad-input.property.test.ts) stays the final
 * oracle; this one is fast and says which field disagrees.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { providerSchema, type JsonSchemaProps } from "./crd-schema.ts";
import { isRecord } from "./field-problem.ts";
import { FIELD_CHECKS, RULE_CHECK } from "./schema-checks.ts";
import { validateProvider } from "./validate-provider.ts";

/** Every list has one entry and every field a valid value, so each node has a place in it. */
const BASE = {
  apiVersion: "openmcp.cloud/v1alpha1",
  kind: "ServiceProvider",
  metadata: { name: "landscaper" },
  spec: {
    image: "ghcr.io/example/landscaper:v1.2.3",
    imagePullSecrets: [{ name: "regcred" }],
    initCommand: ["init"],
    runCommand: ["run"],
    env: [{ name: "FOO", value: "bar" }],
    verbosity: "DEBUG",
    extraVolumes: [{ name: "cfg", configMap: { name: "cfg" } }],
    extraVolumeMounts: [
      {
        name: "cfg",
        mountPath: "/etc/cfg",
        readOnly: true,
        recursiveReadOnly: "Disabled",
        mountPropagation: "None",
        subPath: "a",
        subPathExpr: "b",
      },
    ],
    runReplicas: 2,
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "zone",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: {},
        minDomains: 1,
        matchLabelKeys: ["app"],
        nodeAffinityPolicy: "Honor",
        nodeTaintsPolicy: "Ignore",
      },
    ],
    metrics: { disabled: false, port: 8080, path: "/metrics" },
  },
};

type Segment = string | number;
interface Node {
  path: Segment[];
  schema: JsonSchemaProps;
}

function pathText(path: Segment[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/** The nodes of `schema` that BASE has a value for, depth first; list items at index 0. */
function nodes(schema: JsonSchemaProps, path: Segment[], value: unknown): Node[] {
  const out: Node[] = [{ path, schema }];
  if (isRecord(value)) {
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      if (value[key] !== undefined) out.push(...nodes(child, [...path, key], value[key]));
    }
  } else if (Array.isArray(value) && schema.items !== undefined && value.length > 0) {
    out.push(...nodes(schema.items, [...path, 0], value[0]));
  }
  return out;
}

function get(root: unknown, path: Segment[]): unknown {
  return path.reduce<unknown>((v, s) => (v as Record<Segment, unknown>)[s], root);
}

/** BASE with the value at `path` replaced (`undefined` removes it). */
function withValue(path: Segment[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(BASE) as unknown;
  const parent = get(copy, path.slice(0, -1)) as Record<Segment, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) Reflect.deleteProperty(parent, last);
  else parent[last] = value;
  return copy;
}

function problemsAt(provider: unknown, path: Segment[]): string[] {
  const at = pathText(path);
  return validateProvider(provider)
    .filter((p) => p.path === at)
    .map((p) => p.reason);
}

const WRONG_TYPE: Record<string, unknown> = {
  string: 5,
  integer: "5",
  boolean: "true",
  array: {},
  object: "x",
};

const schema = providerSchema("ServiceProvider");
const all = nodes(
  { ...schema, properties: { metadata: schema.properties!.metadata!, spec: schema.properties!.spec! } },
  [],
  BASE,
);

void describe("schema-derived cases", () => {
  void it("the base object is valid", () => {
    assert.deepEqual(validateProvider(BASE), []);
  });
  void it("the base object sets every field of the spec schema, so that no field goes without cases", () => {
    const missing = (node: JsonSchemaProps, value: unknown, at: string): string[] =>
      Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
        const item = isRecord(value) ? value[key] : undefined;
        if (item === undefined) return [`${at}.${key}`];
        const first: unknown = Array.isArray(item) ? (item as unknown[])[0] : item;
        const next = child.type === "array" ? child.items : child;
        return next === undefined || next["x-kubernetes-preserve-unknown-fields"]
          ? []
          : missing(next, first, `${at}.${key}`);
      });
    assert.deepEqual(
      missing(schema.properties!.spec!, BASE.spec, "spec"),
      [],
      "add a valid value for these to BASE",
    );
  });

  for (const { path, schema: node } of all.filter((n) => n.path.length > 0 && n.path[0] === "spec")) {
    const at = pathText(path);
    const base = get(BASE, path);
    if (node.type !== undefined && WRONG_TYPE[node.type] !== undefined) {
      void it(`${at}: a value of the wrong type`, () => {
        assert.deepEqual(problemsAt(withValue(path, WRONG_TYPE[node.type!]), path), ["InvalidType"]);
      });
    }
    for (const key of node.required ?? []) {
      const child = node.properties?.[key];
      void it(`${at}.${key}: ${child?.default === undefined ? "required" : "required, but defaulted"}`, () => {
        const want = child?.default === undefined ? ["Required"] : [];
        assert.deepEqual(problemsAt(withValue([...path, key], undefined), [...path, key]), want);
      });
    }
    if (node.minimum !== undefined || node.maximum !== undefined) {
      const bounds: [number, boolean][] = [];
      if (node.minimum !== undefined) bounds.push([node.minimum, true], [node.minimum - 1, false]);
      if (node.maximum !== undefined) bounds.push([node.maximum, true], [node.maximum + 1, false]);
      for (const [value, ok] of bounds) {
        void it(`${at}: ${value} is ${ok ? "inside" : "outside"} the bounds`, () => {
          assert.deepEqual(problemsAt(withValue(path, value), path), ok ? [] : ["OutOfRange"]);
        });
      }
    }
    if (node.enum !== undefined) {
      void it(`${at}: each of ${node.enum.join(", ")} and nothing else`, () => {
        for (const value of node.enum!)
          assert.deepEqual(problemsAt(withValue(path, value), path), [], String(value));
        assert.deepEqual(problemsAt(withValue(path, "NotInTheEnum"), path), ["NotSupported"]);
      });
    }
    if (node.maxLength !== undefined && typeof base === "string") {
      const tooLong = node[FIELD_CHECKS]?.tooLong ?? "Invalid";
      void it(`${at}: ${node.maxLength} characters and one more`, () => {
        const inside = base + "a".repeat(node.maxLength! - base.length);
        // Only when padding keeps the other constraints; the image needs a digest to get that long.
        if (
          (node.pattern === undefined || new RegExp(node.pattern).test(inside)) &&
          !node["x-kubernetes-validations"]
        ) {
          assert.deepEqual(
            problemsAt(withValue(path, inside), path).filter((r) => r === tooLong),
            [],
          );
        }
        assert.deepEqual(
          problemsAt(withValue(path, `${inside}a`), path).filter((r) => r === tooLong),
          [tooLong],
        );
      });
    }
    if (node.minLength !== undefined) {
      void it(`${at}: shorter than ${node.minLength}`, () => {
        assert.deepEqual(problemsAt(withValue(path, ""), path), [
          node.minLength === 1 ? "Required" : "Invalid",
        ]);
      });
    }
    if (node.pattern !== undefined && typeof base === "string") {
      const reason = node[FIELD_CHECKS]?.pattern?.reason ?? "Invalid";
      void it(`${at}: values inside and outside ${node.pattern}`, () => {
        for (const probe of ["-x", "x-", "a b", "a=b", "a.b", "UP", "/abs", "rel", "é"]) {
          if (node.maxLength !== undefined && probe.length > node.maxLength) continue;
          const want = new RegExp(node.pattern!).test(probe) ? [] : [reason];
          const got = problemsAt(withValue(path, probe), path).filter((r) => r === reason);
          assert.deepEqual(got, want, probe);
        }
      });
    }
    if (node.type === "array" && Array.isArray(base) && base.length > 0) {
      const keys = node["x-kubernetes-list-map-keys"] ?? [];
      /** `n` copies of the first item, with distinct map keys. */
      const items = (n: number): unknown[] =>
        Array.from({ length: n }, (_, i) => {
          const item = structuredClone(base[0]) as unknown;
          if (i > 0 && isRecord(item)) for (const key of keys) item[key] = `${String(item[key])}-${i}`;
          return item;
        });
      if (keys.length > 0) {
        void it(`${at}: items with the same ${keys.join(", ")}`, () => {
          const twice = [base[0], structuredClone(base[0])];
          const problems = validateProvider(withValue(path, twice)).map((p) => [p.path, p.reason]);
          for (const key of keys)
            assert.ok(
              problems.some(([p, r]) => p === `${at}[1].${key}` && r === "Duplicate"),
              JSON.stringify(problems),
            );
        });
      }
      if (node.maxItems !== undefined) {
        void it(`${at}: ${node.maxItems} items and one more`, () => {
          assert.deepEqual(problemsAt(withValue(path, items(node.maxItems!)), path), []);
          assert.deepEqual(problemsAt(withValue(path, items(node.maxItems! + 1)), path), ["TooMany"]);
        });
      }
    }
  }

  const rules = all.flatMap(({ path, schema: node }) =>
    (node["x-kubernetes-validations"] ?? []).map((rule) => ({ path, rule })),
  );
  void it("every CEL rule of the provider schema has a TS predicate", () => {
    assert.ok(rules.length >= 6, `only ${rules.length} rules found`);
    for (const { path, rule } of rules)
      assert.ok(rule[RULE_CHECK], `${pathText(path) || "<object>"}: ${rule.rule}`);
  });
  for (const { path, rule } of rules) {
    const check = rule[RULE_CHECK];
    if (check === undefined) continue;
    const at = pathText(path) || "<object>";
    void it(`${at}: ${rule.rule.slice(0, 60)}: its examples, through validateProvider`, () => {
      const place = (example: unknown): unknown => {
        const base = get(BASE, path);
        return withValue(path, isRecord(example) && isRecord(base) ? { ...base, ...example } : example);
      };
      for (const example of check.examples.valid) {
        assert.deepEqual(check.check(example), [], `valid: ${JSON.stringify(example)}`);
        const value = place(example);
        const findings = check.check(get(value, path));
        assert.deepEqual(findings, [], `valid in place: ${JSON.stringify(example)}`);
      }
      for (const example of check.examples.invalid) {
        const findings = check.check(example);
        assert.ok(findings.length > 0, `invalid: ${JSON.stringify(example)}`);
        const problems = validateProvider(place(example));
        for (const f of findings) {
          const want = [at === "<object>" ? "" : at, f.path ?? ""]
            .filter((s) => s !== "")
            .join(f.path?.startsWith("[") ? "" : ".");
          assert.ok(
            problems.some((p) => p.path === want && p.reason === f.reason),
            `invalid in place: ${JSON.stringify(example)} wants ${want} ${f.reason}, got ${JSON.stringify(problems)}`,
          );
        }
      }
    });
  }
});
