import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { PROVIDER_KIND_INFO, PROVIDER_KINDS } from "../constants.ts";
import type { JsonSchemaProps } from "./crd-schema.ts";
import {
  accessRequestCrd,
  allCrds,
  clusterRequestCrd,
  crdFileName,
  providerCrd,
  renderCrdFile,
  type CustomResourceDefinition,
} from "./crds.ts";

const CRD_DIR = new URL("../../../../deploy/crds/", import.meta.url);
const GENERATE = "pnpm exec node --import tsx scripts/generate-crds.ts";

/** Deno runs these tests without permissions by default; Node always has them. */
interface DenoPermissions {
  permissions: {
    querySync(d: { name: "read" | "write"; path: URL } | { name: "env"; variable: string }): {
      state: string;
    };
  };
}
const deno = (globalThis as { Deno?: DenoPermissions }).Deno;
const granted = (d: Parameters<DenoPermissions["permissions"]["querySync"]>[0]): boolean =>
  deno === undefined || deno.permissions.querySync(d).state === "granted";
const canRead = granted({ name: "read", path: CRD_DIR });
const update = granted({ name: "env", variable: "UPDATE_GOLDEN" }) && process.env.UPDATE_GOLDEN === "1";

function schemaOf(crd: CustomResourceDefinition): JsonSchemaProps {
  return crd.spec.versions[0]!.schema.openAPIV3Schema;
}

/** The node at a dotted path of property names; `[]` steps into list items. */
function at(schema: JsonSchemaProps, path: string): JsonSchemaProps {
  let node = schema;
  for (const part of path.split(".")) {
    const next = part === "[]" ? node.items : node.properties?.[part];
    assert.ok(next, `schema has no ${path} (stopped at ${part})`);
    node = next;
  }
  return node;
}

/** Every property schema with its path, depth first. */
function properties(schema: JsonSchemaProps, path = ""): [string, JsonSchemaProps][] {
  const out: [string, JsonSchemaProps][] = [];
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const p = path === "" ? name : `${path}.${name}`;
    out.push([p, prop], ...properties(prop, p));
    if (prop.items) out.push(...properties(prop.items, `${p}.[]`));
  }
  return out;
}

void describe("deploy/crds", () => {
  void it(
    "matches the generated CRDs",
    { skip: canRead ? false : "needs read access (deno test --allow-read); node always checks it" },
    () => {
      const want = new Map(allCrds().map((crd) => [crdFileName(crd), renderCrdFile(crd)]));
      const stale: string[] = [];
      for (const [name, content] of want) {
        const url = new URL(name, CRD_DIR);
        let committed: string | undefined;
        try {
          committed = readFileSync(url, "utf8");
        } catch {
          committed = undefined;
        }
        if (committed === content) continue;
        if (update) writeFileSync(url, content);
        else stale.push(committed === undefined ? `${name} (missing)` : name);
      }
      const extra = readdirSync(CRD_DIR).filter((f) => f.endsWith(".yaml") && !want.has(f));
      assert.deepEqual(
        [...stale, ...extra.map((f) => `${f} (no longer generated)`)],
        [],
        `deploy/crds is out of date: run \`${GENERATE}\` (or the tests with UPDATE_GOLDEN=1) and commit the result`,
      );
    },
  );
  void it("names the files <group>_<plural>.yaml", () => {
    assert.deepEqual(allCrds().map(crdFileName), [
      "openmcp.cloud_clusterproviders.yaml",
      "openmcp.cloud_serviceproviders.yaml",
      "openmcp.cloud_platformservices.yaml",
      "clusters.openmcp.cloud_clusterrequests.yaml",
      "clusters.openmcp.cloud_accessrequests.yaml",
    ]);
  });
});

void describe("provider CRDs (acceptance 1)", () => {
  for (const kind of PROVIDER_KINDS) {
    const info = PROVIDER_KIND_INFO[kind];
    const crd = providerCrd(kind);
    const version = crd.spec.versions[0]!;
    void it(`${kind}: cluster-scoped openmcp.cloud/v1alpha1, status subresource, platform label`, () => {
      assert.equal(crd.metadata.name, `${info.plural}.openmcp.cloud`);
      assert.deepEqual(crd.metadata.labels, { "openmcp.cloud/cluster": "platform" });
      assert.equal(crd.spec.group, "openmcp.cloud");
      assert.equal(crd.spec.scope, "Cluster");
      assert.deepEqual(crd.spec.names, {
        kind,
        listKind: info.listKind,
        plural: info.plural,
        singular: info.singular,
        shortNames: [...info.shortNames],
        categories: ["openmcp"],
      });
      assert.equal(crd.spec.versions.length, 1);
      assert.deepEqual([version.name, version.served, version.storage], ["v1alpha1", true, true]);
      assert.deepEqual(version.subresources, { status: {} });
      assert.deepEqual(version.selectableFields, [{ jsonPath: ".status.phase" }]);
    });
    void it(`${kind}: printer columns Phase, Ready, Image (wide) and Age`, () => {
      assert.deepEqual(version.additionalPrinterColumns, [
        { name: "Phase", type: "string", jsonPath: ".status.phase" },
        { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: "Image", type: "string", jsonPath: ".spec.image", priority: 1 },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      ]);
    });
    void it(`${kind}: status.resources only on ServiceProvider, plus our own status fields`, () => {
      const status = at(schemaOf(crd), "status");
      assert.equal("resources" in (status.properties ?? {}), kind === "ServiceProvider");
      for (const field of [
        "observedGeneration",
        "phase",
        "conditions",
        "metrics",
        "initializedImage",
        "runningImage",
        "initAttempts",
      ]) {
        assert.ok(status.properties?.[field], `status.${field}`);
      }
    });
  }
});

void describe("provider schema", () => {
  const schema = schemaOf(providerCrd("ServiceProvider"));
  void it("defaults verbosity INFO, runReplicas 1 and metrics.disabled false (acceptance 2)", () => {
    assert.equal(at(schema, "spec.verbosity").default, "INFO");
    assert.equal(at(schema, "spec.runReplicas").default, 1);
    assert.equal(at(schema, "spec.metrics.disabled").default, false);
    assert.equal(at(schema, "spec.metrics").default, undefined, "no metrics block unless written");
  });
  void it("has enums and ranges (acceptance 3)", () => {
    assert.deepEqual(at(schema, "spec.verbosity").enum, ["DEBUG", "INFO", "ERROR", "debug", "info", "error"]);
    assert.deepEqual(
      [at(schema, "spec.runReplicas").minimum, at(schema, "spec.runReplicas").maximum],
      [1, 100],
    );
    assert.deepEqual(
      [at(schema, "spec.metrics.port").minimum, at(schema, "spec.metrics.port").maximum],
      [1, 65535],
    );
    assert.equal(at(schema, "spec.image").minLength, 1);
    assert.equal(at(schema, "spec.env.[].name").minLength, 1);
    assert.deepEqual(at(schema, "spec.topologySpreadConstraints.[].whenUnsatisfiable").enum, [
      "DoNotSchedule",
      "ScheduleAnyway",
    ]);
    assert.equal(at(schema, "spec.topologySpreadConstraints.[].maxSkew").minimum, 1);
  });
  const listMaps: [string, string[]][] = [
    ["spec.env", ["name"]],
    ["spec.extraVolumes", ["name"]],
    ["spec.extraVolumeMounts", ["mountPath"]],
    ["spec.topologySpreadConstraints", ["topologyKey"]],
    ["status.conditions", ["type"]],
  ];
  for (const [path, keys] of listMaps) {
    void it(`makes ${path} a list-map keyed by ${keys.join(", ")}, with required keys`, () => {
      const list = at(schema, path);
      assert.equal(list["x-kubernetes-list-type"], "map");
      assert.deepEqual(list["x-kubernetes-list-map-keys"], keys);
      for (const key of keys) {
        assert.ok(list.items?.required?.includes(key), `${path}[].${key} must be required`);
        assert.equal(list.items?.properties?.[key]?.type, "string");
      }
    });
  }
  void it("describes every field, for kubectl explain", () => {
    for (const crd of [...PROVIDER_KINDS.map(providerCrd), clusterRequestCrd(), accessRequestCrd()]) {
      const root = schemaOf(crd);
      assert.ok(root.description, `${crd.spec.names.kind}: root`);
      const missing = properties(root)
        .filter(([path, prop]) => path !== "metadata" && !prop.description)
        .map(([path]) => path);
      assert.deepEqual(missing, [], crd.spec.names.kind);
    }
  });
  void it("keeps metadata bare, as the API server requires", () => {
    assert.deepEqual(schema.properties?.metadata, { type: "object" });
  });
  void it("rejects reserved env names, long and dotted names and whitespace in the image with CEL", () => {
    const envRules = at(schema, "spec.env.[].name")["x-kubernetes-validations"]?.map((r) => r.rule);
    assert.deepEqual(envRules, [
      "!(self in ['POD_NAME', 'POD_NAMESPACE', 'POD_IP', 'POD_SERVICE_ACCOUNT_NAME'])",
    ]);
    assert.deepEqual(
      schema["x-kubernetes-validations"]?.map((r) => r.rule),
      ["self.metadata.name.size() <= 55", "!self.metadata.name.contains('.')"],
    );
    assert.equal(
      at(schema, "spec.image")["x-kubernetes-validations"]?.[0]?.rule,
      "!self.matches('[[:space:]]')",
    );
  });
  void it("bounds what CEL rules iterate, to stay within the API server's cost budget", () => {
    assert.equal(at(schema, "spec.env").maxItems, 256);
    assert.equal(at(schema, "spec.env.[].name").maxLength, 253);
    assert.equal(at(schema, "spec.extraVolumes").maxItems, 64);
    assert.equal(at(schema, "spec.extraVolumes.[].name").maxLength, 63);
    assert.equal(at(schema, "spec.extraVolumeMounts").maxItems, 64);
    assert.equal(at(schema, "spec.extraVolumeMounts.[].name").maxLength, 63);
    assert.equal(at(schema, "spec.image").maxLength, 1024);
  });
  void it("keeps volumes open (core/v1 Volume) but requires their name", () => {
    const volume = at(schema, "spec.extraVolumes.[]");
    assert.equal(volume["x-kubernetes-preserve-unknown-fields"], true);
    assert.deepEqual(volume.required, ["name"]);
  });
  void it("gives every node a type, as structural schemas need", () => {
    const untyped = properties(schema)
      .filter(([, prop]) => prop.type === undefined)
      .map(([path]) => path);
    assert.deepEqual(untyped, []);
  });
  void it("builds fresh objects on every call", () => {
    const a = providerCrd("ClusterProvider");
    a.spec.versions[0]!.additionalPrinterColumns![0]!.name = "changed";
    at(schemaOf(a), "spec.verbosity").default = "DEBUG";
    const b = providerCrd("ClusterProvider");
    assert.equal(b.spec.versions[0]!.additionalPrinterColumns![0]!.name, "Phase");
    assert.equal(at(schemaOf(b), "spec.verbosity").default, "INFO");
  });
});

void describe("cluster request CRDs", () => {
  void it("ClusterRequest: namespaced, immutable spec, columns and selectable fields", () => {
    const crd = clusterRequestCrd();
    assert.equal(crd.metadata.name, "clusterrequests.clusters.openmcp.cloud");
    assert.deepEqual(crd.metadata.labels, { "openmcp.cloud/cluster": "platform" });
    assert.equal(crd.spec.scope, "Namespaced");
    assert.deepEqual(crd.spec.names.shortNames, ["cr", "creq"]);
    const version = crd.spec.versions[0]!;
    assert.deepEqual(
      version.additionalPrinterColumns?.map((c) => c.name),
      ["Purpose", "Phase", "Cluster", "Cluster-NS", "Age"],
    );
    assert.deepEqual(version.selectableFields, [
      { jsonPath: ".spec.purpose" },
      { jsonPath: ".status.phase" },
    ]);
    const schema = schemaOf(crd);
    assert.deepEqual(at(schema, "spec").required, ["purpose"]);
    assert.deepEqual(at(schema, "spec")["x-kubernetes-validations"], [
      { rule: "self == oldSelf", message: "spec is immutable" },
    ]);
    assert.deepEqual(at(schema, "status.conditions")["x-kubernetes-list-map-keys"], ["type"]);
  });
  void it("AccessRequest: namespaced, exactly one of token and oidc, immutable references", () => {
    const crd = accessRequestCrd();
    assert.equal(crd.metadata.name, "accessrequests.clusters.openmcp.cloud");
    assert.equal(crd.spec.scope, "Namespaced");
    assert.deepEqual(crd.spec.names.shortNames, ["ar", "areq"]);
    const schema = schemaOf(crd);
    assert.deepEqual(
      at(schema, "spec")["x-kubernetes-validations"]?.map((r) => r.rule),
      [
        "has(self.token) != has(self.oidc)",
        "!has(oldSelf.clusterRef) || has(self.clusterRef)",
        "!has(oldSelf.requestRef) || has(self.requestRef)",
      ],
    );
    for (const ref of ["clusterRef", "requestRef"]) {
      assert.deepEqual(at(schema, `spec.${ref}`)["x-kubernetes-validations"]?.[0]?.rule, "self == oldSelf");
    }
    assert.deepEqual(at(schema, "spec.token.roleRefs.[].kind").enum, ["Role", "ClusterRole"]);
    assert.deepEqual(at(schema, "status.secretRef").required, ["name"]);
  });
});
