import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import {
  API_VERSION,
  FINALIZER,
  crdFileName,
  operatorCrds,
  providerObjectNames,
  type Provider,
} from "@openmcp-ts/contract";
import { ApiError, KubeClient } from "@openmcp-ts/kube";
import {
  usage,
  sumOf,
  createLogger,
  installCrds,
  startOperator,
  type RunningOperator,
} from "@openmcp-ts/operator";
import {
  eventually,
  resolveBinary,
  startControlPlane,
  tokenKubeconfig,
  type ControlPlane,
} from "@openmcp-ts/testenv";

/**
 * deploy/operator is what users install. Its objects must be accepted by a real API server, and its
 * RBAC must be enough for everything the operator does (checked rule by rule with
 * SubjectAccessReviews, then by running `init` and the controller as the operator's ServiceAccount)
 * while denying what it does not need.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NAMESPACE = "openmcp-system";
const SA = "openmcp-operator";
const SA_USER = `system:serviceaccount:${NAMESPACE}:${SA}`;
const SA_GROUPS = ["system:serviceaccounts", `system:serviceaccounts:${NAMESPACE}`, "system:authenticated"];

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string };
  [key: string]: unknown;
}

interface PodTemplateOwner extends Manifest {
  spec: { template: { spec: { containers: { name: string; args?: string[]; env?: { name: string }[] }[] } } };
}

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/**
 * The objects of a kustomization that uses nothing but `resources` (files and directories), as
 * `kubectl apply -k` would send them. Anything else (patches, generators, namespace) would make
 * this reading wrong, so it is refused.
 */
function loadKustomization(dir: string): Manifest[] {
  const file = KUSTOMIZATION_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) throw new Error(`cannot load ${dir}: no kustomization file`);
  const k = parseYaml(file)[0] as { resources?: string[] } & Record<string, unknown>;
  const unsupported = Object.keys(k).filter((key) => !["apiVersion", "kind", "resources"].includes(key));
  assert.deepEqual(unsupported, [], `${file}: only resources are supported by this test's reader`);
  return (k.resources ?? []).flatMap((r) => {
    const path = join(dir, r);
    return statSync(path).isDirectory() ? loadKustomization(path) : (parseYaml(path) as Manifest[]);
  });
}

function parseYaml(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, "utf8"))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`cannot parse ${file}: ${doc.errors[0]!.message}`);
      return doc.toJS() as unknown;
    })
    .filter((o) => o !== null && o !== undefined);
}

const id = (o: Manifest): string =>
  `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;

interface Access {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const describeAccess = (a: Access): string =>
  `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ""}${a.group ? `.${a.group}` : ""}` +
  `${a.name ? ` "${a.name}"` : ""} ${a.namespace ? `in ${a.namespace}` : "cluster-wide"}`;

const PROVIDER_RESOURCES = ["clusterproviders", "serviceproviders", "platformservices"];
const WORKLOADS = [
  { group: "", resource: "serviceaccounts" },
  { group: "", resource: "services" },
  { group: "batch", resource: "jobs" },
  { group: "apps", resource: "deployments" },
  { group: "rbac.authorization.k8s.io", resource: "roles" },
  { group: "rbac.authorization.k8s.io", resource: "rolebindings" },
];
const RBAC = "rbac.authorization.k8s.io";

/** Everything packages/operator does, as request attributes (see deploy/operator/*role*.yaml). */
const NEEDED: Access[] = [
  ...PROVIDER_RESOURCES.flatMap((resource) => [
    ...["list", "watch", "patch"].map((verb) => ({ verb, group: "openmcp.cloud", resource })),
    { verb: "patch", group: "openmcp.cloud", resource, subresource: "status" },
    { verb: "update", group: "openmcp.cloud", resource, subresource: "finalizers" },
    ...["get", "create", "patch"].map((verb) => ({
      verb,
      group: "apiextensions.k8s.io",
      resource: "customresourcedefinitions",
      name: `${resource}.openmcp.cloud`,
    })),
  ]),
  ...["list", "watch", "patch"].map((verb) => ({
    verb,
    group: "deployer.openmcp-ts.dev",
    resource: "providerruntimeconfigs",
  })),
  {
    verb: "patch",
    group: "deployer.openmcp-ts.dev",
    resource: "providerruntimeconfigs",
    subresource: "status",
  },
  ...["get", "create", "patch"].map((verb) => ({
    verb,
    group: "apiextensions.k8s.io",
    resource: "customresourcedefinitions",
    name: "providerruntimeconfigs.deployer.openmcp-ts.dev",
  })),
  ...["list", "watch", "create", "patch", "delete"].map((verb) => ({
    verb,
    group: RBAC,
    resource: "clusterrolebindings",
  })),
  { verb: "bind", group: RBAC, resource: "clusterroles", name: "cluster-admin" },
  ...WORKLOADS.flatMap((w) =>
    ["list", "watch", "create", "patch", "delete"].map((verb) => ({ verb, ...w, namespace: NAMESPACE })),
  ),
  ...["pods", "secrets"].flatMap((resource) =>
    ["list", "watch"].map((verb) => ({ verb, group: "", resource, namespace: NAMESPACE })),
  ),
  ...["list", "watch"].map((verb) => ({
    verb,
    group: "apps",
    resource: "replicasets",
    namespace: NAMESPACE,
  })),
  ...["secrets", "configmaps"].flatMap((resource) =>
    ["create", "update", "patch", "delete"].map((verb) => ({
      verb,
      group: "",
      resource,
      namespace: NAMESPACE,
    })),
  ),
  { verb: "create", group: "coordination.k8s.io", resource: "leases", namespace: NAMESPACE },
  ...["get", "update"].map((verb) => ({
    verb,
    group: "coordination.k8s.io",
    resource: "leases",
    namespace: NAMESPACE,
    name: "openmcp-operator-ts",
  })),
  { verb: "create", group: "", resource: "events", namespace: "default" },
];

/** What a compromised or buggy operator must not be able to do. */
const DENIED: Access[] = [
  { verb: "create", group: "", resource: "secrets" },
  { verb: "create", group: "", resource: "secrets", namespace: "kube-system" },
  { verb: "list", group: "", resource: "secrets" },
  { verb: "get", group: "", resource: "secrets", namespace: NAMESPACE, name: "some-secret" },
  { verb: "bind", group: RBAC, resource: "clusterroles", name: "admin" },
  { verb: "escalate", group: RBAC, resource: "clusterroles", name: "cluster-admin" },
  { verb: "create", group: RBAC, resource: "clusterroles" },
  { verb: "escalate", group: RBAC, resource: "roles", namespace: NAMESPACE },
  { verb: "bind", group: RBAC, resource: "roles", namespace: NAMESPACE },
  { verb: "create", group: RBAC, resource: "rolebindings", namespace: "kube-system" },
  {
    verb: "create",
    group: "apiextensions.k8s.io",
    resource: "customresourcedefinitions",
    name: "x.example.com",
  },
  {
    verb: "delete",
    group: "apiextensions.k8s.io",
    resource: "customresourcedefinitions",
    name: "serviceproviders.openmcp.cloud",
  },
  { verb: "create", group: "", resource: "pods", namespace: NAMESPACE },
  { verb: "patch", group: "apps", resource: "replicasets", namespace: NAMESPACE },
  { verb: "create", group: "apps", resource: "deployments", namespace: "kube-system" },
  { verb: "create", group: "openmcp.cloud", resource: "serviceproviders" },
  { verb: "delete", group: "openmcp.cloud", resource: "serviceproviders" },
  { verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: NAMESPACE, name: "other" },
  { verb: "create", group: "", resource: "events", namespace: "kube-system" },
  { verb: "impersonate", group: "", resource: "users" },
  { verb: "*", group: "*", resource: "*" },
];

describe("deploy/operator manifests", () => {
  let cp: ControlPlane;
  let admin: KubeClient;
  const objects = loadKustomization(join(ROOT, "deploy", "operator"));
  const applied = new Map<string, Manifest>();

  const canI = async (a: Access): Promise<boolean> => {
    const review = (await admin.call("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: SA_USER,
          groups: SA_GROUPS,
          resourceAttributes: {
            verb: a.verb,
            group: a.group,
            resource: a.resource,
            ...(a.subresource ? { subresource: a.subresource } : {}),
            ...(a.namespace ? { namespace: a.namespace } : {}),
            ...(a.name ? { name: a.name } : {}),
          },
        },
      },
    })) as { status?: { allowed?: boolean } };
    return review.status?.allowed === true;
  };

  before(async () => {
    // Also enforce what hardened clusters enforce on owner references (blockOwnerDeletion).
    cp = await startControlPlane({
      progress: () => undefined,
      apiserverArgs: ["--enable-admission-plugins=OwnerReferencesPermissionEnforcement"],
    });
    admin = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    // The one kind in deploy/operator that the operator itself never touches.
    admin.registerPlural("PodDisruptionBudget", "poddisruptionbudgets");
    // Namespaces and CRDs first, as kubectl orders them.
    const rank = (o: Manifest): number =>
      o.kind === "Namespace" ? 0 : o.kind === "CustomResourceDefinition" ? 1 : 2;
    for (const obj of [...objects].sort((a, b) => rank(a) - rank(b))) {
      try {
        applied.set(id(obj), await admin.apply<Manifest>(obj, "test"));
      } catch (err) {
        throw new Error(`cannot apply ${id(obj)}: ${(err as Error).message}`, { cause: err });
      }
    }
  });
  after(async () => {
    await cp?.stop();
  });

  it("installs exactly the CRDs that `init` installs", () => {
    const crds = objects.filter((o) => o.kind === "CustomResourceDefinition");
    assert.deepEqual(
      crds.map((c) => c.metadata.name).sort(),
      operatorCrds()
        .map((c) => c.metadata.name)
        .sort(),
    );
    const listed = (
      parseYaml(join(ROOT, "deploy", "crds", "kustomization.yml"))[0] as { resources: string[] }
    ).resources;
    assert.deepEqual([...listed].sort(), operatorCrds().map(crdFileName).sort());
  });

  it("reads them as kubectl kustomize does", async (t) => {
    const kubectl = await resolveBinary("kubectl");
    if (kubectl.source === "missing") {
      t.skip("no kubectl (pnpm testenv build makes one)");
      return;
    }
    const { stdout } = await promisify(execFile)(
      kubectl.path,
      ["kustomize", join(ROOT, "deploy", "operator")],
      {
        maxBuffer: 64 << 20,
      },
    );
    const rendered = parseAllDocuments(stdout).map((d) => d.toJS() as Manifest);
    const byId = (list: Manifest[]): Map<string, Manifest> => new Map(list.map((o) => [id(o), o]));
    assert.deepEqual(byId(rendered), byId(objects));
  });

  it("are all accepted by the API server (server-side apply)", async () => {
    assert.equal(applied.size, objects.length, "two manifests name the same object");
    const clusterScoped = ["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"];
    for (const obj of objects) {
      if (!clusterScoped.includes(obj.kind))
        assert.ok(obj.metadata.namespace, `${id(obj)} must name its namespace: the kustomization sets none`);
      assert.ok(applied.get(id(obj))?.metadata.uid, `${id(obj)} was not stored`);
    }
    for (const crd of objects.filter((o) => o.kind === "CustomResourceDefinition")) {
      await eventually(`CRD ${crd.metadata.name} Established`, async () => {
        const live = await admin.get<{ status?: { conditions?: { type: string; status: string }[] } }>({
          apiVersion: crd.apiVersion,
          kind: crd.kind,
          name: crd.metadata.name,
        });
        return live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
          ? true
          : undefined;
      });
    }
  });

  it("call the operator with flags and env it knows", () => {
    const workloads = objects.filter(
      (o): o is PodTemplateOwner => o.kind === "Deployment" || o.kind === "Job",
    );
    assert.deepEqual(workloads.map(id).sort(), [
      `Deployment/${NAMESPACE}/openmcp-operator`,
      `Job/${NAMESPACE}/openmcp-operator-init`,
    ]);
    for (const w of workloads) {
      const container = w.spec.template.spec.containers[0]!;
      const [command, ...flags] = container.args ?? [];
      assert.equal(command, w.kind === "Job" ? "init" : "run");
      for (const flag of flags) {
        const name = flag.split("=")[0]!;
        assert.match(usage(), new RegExp(`\\s${name}\\s`), `${id(w)}: ${name} is not an operator flag`);
      }
      assert.ok(flags.includes("--environment=$(OPENMCP_ENVIRONMENT)"), `${id(w)} passes the environment`);
      const env = (container.env ?? []).map((e) => e.name);
      assert.ok(env.includes("OPENMCP_ENVIRONMENT"));
      if (w.kind === "Deployment") {
        assert.ok(env.includes("POD_NAMESPACE") && env.includes("POD_NAME"));
        assert.ok(flags.includes("--leader-elect"));
      }
    }
  });

  it("run under Pod Security restricted, which the namespace enforces", async () => {
    const dryRunPod = (name: string, spec: unknown): Promise<unknown> =>
      admin.call("POST", `/api/v1/namespaces/${NAMESPACE}/pods`, {
        query: { dryRun: "All" },
        body: { apiVersion: "v1", kind: "Pod", metadata: { name }, spec },
      });
    for (const w of objects.filter(
      (o): o is PodTemplateOwner => o.kind === "Deployment" || o.kind === "Job",
    )) {
      await dryRunPod(`dry-run-${w.kind.toLowerCase()}`, w.spec.template.spec);
    }
    // The control: a pod without a security context is refused here.
    await assert.rejects(
      dryRunPod("dry-run-plain", { serviceAccountName: SA, containers: [{ name: "c", image: "busybox" }] }),
      (err: unknown) => err instanceof ApiError && err.code === 403 && /PodSecurity/.test(err.message),
    );
  });

  it("grant the operator's ServiceAccount every permission the operator uses", async () => {
    const missing: string[] = [];
    for (const a of NEEDED) if (!(await canI(a))) missing.push(describeAccess(a));
    assert.deepEqual(missing, [], "the operator's RBAC lacks these");
  });

  it("let it bind cluster-admin to providers without holding cluster-admin, and nothing more", async () => {
    assert.equal(
      await canI({ verb: "bind", group: RBAC, resource: "clusterroles", name: "cluster-admin" }),
      true,
    );
    const granted: string[] = [];
    for (const a of DENIED) if (await canI(a)) granted.push(describeAccess(a));
    assert.deepEqual(granted, [], "the operator's RBAC grants these, which it does not need");
  });

  it("hold no rule beyond what the operator uses", () => {
    interface Rule {
      apiGroups: string[];
      resources: string[];
      verbs: string[];
      resourceNames?: string[];
    }
    const key = (a: Access): string => describeAccess(a);
    const needed = new Set(NEEDED.map(key));
    const held = objects
      .filter((o) => o.kind === "ClusterRole" || o.kind === "Role")
      .flatMap((role) =>
        (role.rules as Rule[]).flatMap((rule) =>
          rule.apiGroups.flatMap((group) =>
            rule.resources.flatMap((r) =>
              rule.verbs.flatMap((verb) =>
                (rule.resourceNames ?? [undefined]).map((name) => {
                  const [resource, subresource] = r.split("/") as [string, string | undefined];
                  return key({
                    verb,
                    group,
                    resource,
                    ...(subresource ? { subresource } : {}),
                    ...(role.metadata.namespace ? { namespace: role.metadata.namespace } : {}),
                    ...(name ? { name } : {}),
                  });
                }),
              ),
            ),
          ),
        ),
      );
    assert.deepEqual(
      held.filter((h) => !needed.has(h)),
      [],
      "rules the operator does not use (or NEEDED here is missing them)",
    );
  });

  describe("as the operator's ServiceAccount", () => {
    let kubeconfig: string;
    let operator: RunningOperator | undefined;
    const logs: string[] = [];
    const forbidden: string[] = [];
    /** The operator's last errors, for a timeout's message: a missing permission shows up there. */
    const explained = <T>(waiting: Promise<T>): Promise<T> =>
      waiting.catch((err: unknown) => {
        const errors = logs.filter((l) => l.includes('"level":"error"')).slice(-3);
        throw new Error(
          `${(err as Error).message}${errors.length > 0 ? `; operator errors:\n${errors.join("")}` : ""}`,
          {
            cause: err,
          },
        );
      });
    const countForbidden = (verb: string, path: string, status: number): void => {
      if (status === 403) forbidden.push(`${verb} ${path}`);
    };

    before(async () => {
      const request = (await admin.call(
        "POST",
        `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${SA}/token`,
        {
          body: {
            apiVersion: "authentication.k8s.io/v1",
            kind: "TokenRequest",
            spec: { expirationSeconds: 3600 },
          },
        },
      )) as { status: { token: string } };
      kubeconfig = tokenKubeconfig(cp, SA, request.status.token);
    });
    after(async () => {
      await operator?.stop();
    });

    it("runs init: creates a missing provider CRD and updates the others", async () => {
      const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
      const gone = "platformservices.openmcp.cloud";
      await admin.delete({ ...crd, name: gone });
      await eventually(`CRD ${gone} deleted`, async () =>
        (await admin.find({ ...crd, name: gone })) === undefined ? true : undefined,
      );
      const client = KubeClient.create({ kubeconfig, onRequest: countForbidden });
      const installed = await installCrds(
        client,
        createLogger("ERROR", (l) => logs.push(l)),
      );
      assert.deepEqual(
        installed.sort(),
        operatorCrds()
          .map((c) => c.metadata.name)
          .sort(),
      );
      assert.deepEqual(forbidden, []);
    });

    it("runs init from the bundled CLI that the image ships", async () => {
      const dir = await mkdtemp(join(tmpdir(), "openmcp-bundle-"));
      try {
        const bundle = join(dir, "openmcp-operator.mjs");
        const path = join(dir, "kubeconfig");
        await writeFile(path, kubeconfig, { mode: 0o600 });
        const run = promisify(execFile);
        await run(
          process.execPath,
          ["--import", "tsx", join(ROOT, "scripts", "bundle-operator.ts"), "--outfile", bundle],
          {
            cwd: ROOT,
          },
        );
        // As the Job in deploy/operator/init-job.yaml runs it, with the environment filled in.
        const { stderr } = await run(process.execPath, [
          bundle,
          "init",
          "--environment=test",
          `--kubeconfig=${path}`,
        ]);
        assert.match(stderr, /"msg":"init done"/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("runs the controller: leader election, init, run and uninstall of a provider", async () => {
      operator = await startOperator(
        {
          environment: "test",
          namespace: NAMESPACE,
          kubeconfig,
          leaderElect: true,
          identity: "deploy-manifests-test",
          healthProbeBindAddress: "0",
          metricsBindAddress: "0",
        },
        createLogger("DEBUG", (l) => logs.push(l)),
      );
      const running = operator;
      await eventually("leadership", () => Promise.resolve(running.isLeader() ? true : undefined));

      const name = "rbac-check";
      const names = providerObjectNames("ServiceProvider", name);
      const ref = { apiVersion: API_VERSION, kind: "ServiceProvider", name };
      const provider: Provider = {
        apiVersion: API_VERSION,
        kind: "ServiceProvider",
        metadata: { name },
        spec: { image: "ghcr.io/openmcp-project/images/service-provider-example:v1.0.0" },
      };
      await admin.apply(provider, "test");
      const ns = { namespace: NAMESPACE };
      const rbac = `${RBAC}/v1`;

      const allExist =
        (refs: { apiVersion: string; kind: string; name: string; namespace?: string }[]) => () =>
          Promise.all(refs.map((r) => admin.find(r))).then((found) =>
            found.every(Boolean) ? true : undefined,
          );

      // Init: the operator binds cluster-admin (bind) and creates a Role it holds the rules of.
      await explained(
        eventually(
          "init objects",
          allExist([
            { apiVersion: "batch/v1", kind: "Job", name: names.init, ...ns },
            { apiVersion: rbac, kind: "ClusterRoleBinding", name: names.initClusterRoleBinding },
            { apiVersion: rbac, kind: "Role", name: names.init, ...ns },
            { apiVersion: rbac, kind: "RoleBinding", name: names.init, ...ns },
            { apiVersion: "v1", kind: "ServiceAccount", name: names.init, ...ns },
          ]),
          20_000,
        ),
      );
      const crb = await admin.get<{ roleRef: { name: string } }>({
        apiVersion: rbac,
        kind: "ClusterRoleBinding",
        name: names.initClusterRoleBinding,
      });
      assert.equal(crb.roleRef.name, "cluster-admin");
      const initialized = await explained(
        eventually(
          "finalizer and status",
          async () => {
            const p = await admin.get<Provider>(ref);
            const hasStatus = p.status?.conditions?.some((c) => c.type === "Initialized");
            return p.metadata.finalizers?.includes(FINALIZER) && hasStatus ? p : undefined;
          },
          20_000,
        ),
      );
      assert.equal(
        initialized.status?.conditions?.find((c) => c.type === "Initialized")?.reason,
        "InitRunning",
      );
      await eventually(
        "an Event in default",
        async () => {
          const events = await admin.list(
            { apiVersion: "v1", kind: "Event", namespace: "default" },
            { fieldSelector: `involvedObject.name=${name}` },
          );
          return events.items.length > 0 ? true : undefined;
        },
        20_000,
      );

      // No kubelet here: the test completes the init Job, so the run objects follow.
      await admin.patch(
        { apiVersion: "batch/v1", kind: "Job", name: names.init, ...ns },
        "merge",
        { status: { startTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"), succeeded: 1 } },
        { subresource: "status" },
      );
      await explained(
        eventually(
          "run objects",
          allExist([
            { apiVersion: "apps/v1", kind: "Deployment", name: names.run, ...ns },
            { apiVersion: rbac, kind: "ClusterRoleBinding", name: names.runClusterRoleBinding },
            { apiVersion: "v1", kind: "ServiceAccount", name: names.run, ...ns },
            { apiVersion: "v1", kind: "Service", name: names.metricsService, ...ns },
          ]),
          20_000,
        ),
      );

      // Uninstall: every object deleted and the finalizer removed by the operator.
      await admin.delete(ref);
      await explained(
        eventually(
          "provider gone",
          async () => ((await admin.find(ref)) === undefined ? true : undefined),
          20_000,
        ),
      );
      for (const crbName of [names.initClusterRoleBinding, names.runClusterRoleBinding])
        assert.equal(
          await admin.find({ apiVersion: rbac, kind: "ClusterRoleBinding", name: crbName }),
          undefined,
        );

      await running.stop();
      operator = undefined;
      const lease = await admin.get<{ spec: { holderIdentity?: string | null } }>({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        name: "openmcp-operator-ts",
        ...ns,
      });
      assert.equal(lease.spec.holderIdentity ?? null, null, "the lease is released on stop");

      const denied = await sumOf(running.metrics.apiRequests, (l) => l.code === "403");
      // Error lines only: a timestamp such as 00:51:55.403Z is no 403.
      const errors = logs.filter((l) => l.includes('"level":"error"') && /forbidden|403/i.test(l));
      assert.deepEqual({ denied, errors }, { denied: 0, errors: [] });
    });
  });
});
