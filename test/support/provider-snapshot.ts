// What an operator created for its providers, normalised so that two runs on two control planes
// compare equal when the operators did the same, and a structural diff that names each difference.
import { isDeepStrictEqual } from "node:util";
import { API_VERSION, PROVIDER_KINDS, type Provider } from "@openmcp-ts/contract";
import type { KubeClient } from "@openmcp-ts/kube";
import { GENERATED_NAMESPACED_KINDS } from "@openmcp-ts/test-support";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const NAMESPACED = GENERATED_NAMESPACED_KINDS;

/** `Kind name` → normalised object; providers appear as `<Kind> <name>` with only `status`. */
export type Snapshot = Map<string, Json>;

const UID_LABELS = ["controller-uid", "batch.kubernetes.io/controller-uid"];

type Fields = Record<string, unknown>;
/** The object at `key` of `o`, if there is one. */
const at = (o: unknown, ...keys: string[]): Fields | undefined => {
  let cur: unknown = o;
  for (const k of keys) cur = cur !== null && typeof cur === "object" ? (cur as Fields)[k] : undefined;
  return cur !== null && typeof cur === "object" && !Array.isArray(cur) ? (cur as Fields) : undefined;
};
const drop = (o: Fields | undefined, ...keys: string[]): void => {
  if (o) for (const k of keys) Reflect.deleteProperty(o, k);
};

/** Drops what differs between any two runs (ids, times, server bookkeeping, controller status). */
function normalise(obj: Fields): Json {
  const o = structuredClone(obj);
  const m = at(o, "metadata");
  drop(m, "uid", "resourceVersion", "creationTimestamp", "managedFields", "generation");
  for (const ref of (m?.ownerReferences as Fields[] | undefined) ?? []) drop(ref, "uid");
  drop(at(m, "annotations"), "deployment.kubernetes.io/revision");
  drop(o, "status");
  for (const labels of [
    at(m, "labels"),
    at(o, "spec", "selector", "matchLabels"),
    at(o, "spec", "template", "metadata", "labels"),
  ]) {
    for (const l of UID_LABELS) if (labels?.[l] !== undefined) labels[l] = "<uid>";
  }
  if (o.kind === "Service") drop(at(o, "spec"), "clusterIP", "clusterIPs");
  return o as Json;
}

function normaliseStatus(status: Provider["status"]): Json {
  const s = structuredClone(status ?? {}) as Fields;
  for (const c of (s.conditions as Fields[] | undefined) ?? []) drop(c, "lastTransitionTime");
  return s as Json;
}

export async function takeSnapshot(client: KubeClient, namespace: string): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  const managed = { labelSelector: "app.kubernetes.io/managed-by=openmcp-operator" };
  type Listed = Fields & { metadata: { name?: string } };
  for (const ref of NAMESPACED) {
    for (const o of (await client.list<Listed>({ ...ref, namespace }, managed)).items)
      snapshot.set(
        `${ref.kind} ${o.metadata.name ?? ""}`,
        normalise({ ...o, kind: ref.kind, apiVersion: ref.apiVersion }),
      );
  }
  const crbRef = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding" };
  for (const o of (await client.list<Listed>(crbRef, managed)).items)
    snapshot.set(`ClusterRoleBinding ${o.metadata.name ?? ""}`, normalise({ ...o, ...crbRef }));
  for (const kind of PROVIDER_KINDS) {
    for (const p of (await client.list<Provider>({ apiVersion: API_VERSION, kind })).items)
      snapshot.set(`${kind} ${p.metadata.name ?? ""}`, { status: normaliseStatus(p.status) });
  }
  return snapshot;
}

export interface Difference {
  /** `Kind name` of the object. */
  object: string;
  /** Dotted path; list items by their key (`containers[sp-x]`), map keys with dots in brackets. */
  path: string;
  kind: "only in ours" | "only in reference" | "differs";
  ours?: Json | undefined;
  reference?: Json | undefined;
}

/** The field that identifies the items of a list, as the API's list-map keys do. */
function itemKey(item: Json): string | undefined {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return undefined;
  for (const k of ["name", "mountPath", "topologyKey", "type", "containerPort"]) {
    const v = item[k];
    if (typeof v === "string" || typeof v === "number") return String(v);
  }
  return undefined;
}

function child(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}["${key}"]`;
}

function diffValues(
  object: string,
  path: string,
  ours: Json | undefined,
  ref: Json | undefined,
  out: Difference[],
): void {
  if (isDeepStrictEqual(ours, ref)) return;
  if (ours === undefined) return void out.push({ object, path, kind: "only in reference", reference: ref });
  if (ref === undefined) return void out.push({ object, path, kind: "only in ours", ours });
  if (Array.isArray(ours) && Array.isArray(ref)) {
    const keysOurs = ours.map(itemKey);
    const keysRef = ref.map(itemKey);
    if (keysOurs.every((k) => k !== undefined) && keysRef.every((k) => k !== undefined)) {
      const byKey = (items: Json[], keys: (string | undefined)[]) =>
        new Map(items.map((v, i) => [keys[i]!, v]));
      const a = byKey(ours, keysOurs);
      const b = byKey(ref, keysRef);
      for (const k of new Set([...a.keys(), ...b.keys()]))
        diffValues(object, `${path}[${k}]`, a.get(k), b.get(k), out);
      if (
        isDeepStrictEqual(
          [...a.keys()].filter((k) => b.has(k)),
          [...b.keys()].filter((k) => a.has(k)),
        )
      )
        return;
      return void out.push({
        object,
        path: `${path}[]`,
        kind: "differs",
        ours: keysOurs,
        reference: keysRef,
      });
    }
    if (ours.length === ref.length) {
      ours.forEach((v, i) => diffValues(object, `${path}[${i}]`, v, ref[i], out));
      return;
    }
  } else if (
    ours !== null &&
    ref !== null &&
    typeof ours === "object" &&
    typeof ref === "object" &&
    !Array.isArray(ours) &&
    !Array.isArray(ref)
  ) {
    for (const k of new Set([...Object.keys(ours), ...Object.keys(ref)]))
      diffValues(object, child(path, k), ours[k], ref[k], out);
    return;
  }
  out.push({ object, path, kind: "differs", ours, reference: ref });
}

/** Every difference between two snapshots, objects present on one side only included (path ""). */
export function diffSnapshots(ours: Snapshot, reference: Snapshot): Difference[] {
  const out: Difference[] = [];
  for (const object of [...new Set([...ours.keys(), ...reference.keys()])].sort())
    diffValues(object, "", ours.get(object), reference.get(object), out);
  return out;
}

/** A row of the table in docs/parity.md: which differences it explains, and why. */
export interface KnownDifference {
  object: RegExp;
  path: RegExp;
  kind: string;
  reason: string;
  row: string;
}

function glob(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
}

/**
 * The rows of the first table under `## Differences` in docs/parity.md: `| Object | Path |
 * Difference | Reason |`; Object is a comma-separated list of kinds (or `Kind name-glob`), Path a
 * glob (`*` = anything, `(object)` = the whole object), both in backticks.
 */
export function parseParityTable(markdown: string): KnownDifference[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith("Differences"));
  if (!section) throw new Error('docs/parity.md has no "## Differences" section');
  const rows = section
    .split("\n")
    .filter((l) => l.startsWith("|"))
    .slice(2);
  return rows.map((row) => {
    const cells = row
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    const [object = "", path = "", kind = "", reason = ""] = cells;
    const unquote = (s: string) => s.replace(/^`|`$/g, "");
    const kinds = object.split(",").map((k) => unquote(k.trim()));
    return {
      object: new RegExp(kinds.map((k) => glob(k.includes(" ") ? k : `${k} *`).source).join("|")),
      path: glob(unquote(path) === "(object)" ? "" : unquote(path)),
      kind,
      reason,
      row,
    };
  });
}

export function explains(row: KnownDifference, d: Difference): boolean {
  return row.object.test(d.object) && row.path.test(d.path) && row.kind === d.kind;
}
