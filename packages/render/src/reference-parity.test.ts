// The landscaper example of the spec's section 3.20, transcribed, must equal what we render with
// `securityContext: "none"` once our documented additions are taken off again.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ANNOTATION_INIT_HASH,
  ANNOTATION_PROVIDER_IMAGE,
  type Container,
  type KubeObject,
} from "@openmcp-ts/contract";
import { renderInitObjects, renderRunObjects } from "./index.ts";
import { LANDSCAPER_CTX, landscaperProvider } from "./testdata/providers.ts";

const owner = {
  apiVersion: "openmcp.cloud/v1alpha1",
  kind: "ServiceProvider",
  name: "landscaper",
  uid: "<uid>",
  controller: true,
  blockOwnerDeletion: true,
};
const common = {
  "app.kubernetes.io/managed-by": "openmcp-operator",
  "app.kubernetes.io/name": "ServiceProvider",
  "app.kubernetes.io/instance": "landscaper",
};
const initLabels = { ...common, "app.kubernetes.io/component": "init-job" };
const controllerLabels = { ...common, "app.kubernetes.io/component": "controller" };
const topologySelector = {
  matchLabels: { "openmcp.cloud/topology": "sp-landscaper", "openmcp.cloud/topology-ns": "openmcp-system" },
};
const env = [
  { name: "FOO", value: "bar" },
  { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
  { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
  { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
  { name: "POD_SERVICE_ACCOUNT_NAME", valueFrom: { fieldRef: { fieldPath: "spec.serviceAccountName" } } },
];

const referenceJob = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: {
    name: "sp-landscaper-init",
    namespace: "openmcp-system",
    labels: initLabels,
    annotations: {
      "openmcp.cloud/provider-kind": "ServiceProvider",
      "openmcp.cloud/provider-name": "landscaper",
      "openmcp.cloud/provider-generation": "3",
    },
    ownerReferences: [owner],
  },
  spec: {
    backoffLimit: 4,
    template: {
      metadata: { labels: initLabels },
      spec: {
        restartPolicy: "Never",
        serviceAccountName: "sp-landscaper-init",
        imagePullSecrets: [{ name: "regcred" }],
        volumes: [{ name: "cfg", configMap: { name: "landscaper-config" } }],
        containers: [
          {
            name: "init",
            image: "ghcr.io/example/service-provider-landscaper:v1.2.3",
            imagePullPolicy: "IfNotPresent",
            args: ["init", "--environment=live", "--verbosity=DEBUG", "--provider-name=landscaper"],
            env,
            volumeMounts: [{ name: "cfg", mountPath: "/etc/landscaper" }],
          },
        ],
      },
    },
  },
};

const referenceDeployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "sp-landscaper",
    namespace: "openmcp-system",
    labels: controllerLabels,
    ownerReferences: [owner],
  },
  spec: {
    replicas: 3,
    selector: { matchLabels: controllerLabels },
    template: {
      metadata: {
        labels: {
          ...controllerLabels,
          "openmcp.cloud/topology": "sp-landscaper",
          "openmcp.cloud/topology-ns": "openmcp-system",
        },
        annotations: {
          "prometheus.io/scrape": "true",
          "prometheus.io/path": "/metrics",
          "prometheus.io/port": "8080",
        },
      },
      spec: {
        serviceAccountName: "sp-landscaper",
        imagePullSecrets: [{ name: "regcred" }],
        volumes: [
          { name: "cfg", configMap: { name: "landscaper-config" } },
          { name: "webhook-tls", secret: { secretName: "landscaper-webhook-tls" } },
        ],
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: topologySelector,
          },
          {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: topologySelector,
          },
        ],
        containers: [
          {
            name: "sp-landscaper",
            image: "ghcr.io/example/service-provider-landscaper:v1.2.3",
            imagePullPolicy: "IfNotPresent",
            args: [
              "run",
              "--environment=live",
              "--verbosity=DEBUG",
              "--provider-name=landscaper",
              "--leader-elect=true",
              "--metrics-bind-address=:8080",
              "--metrics-secure=false",
            ],
            env,
            ports: [{ name: "metrics-http", containerPort: 8080, protocol: "TCP" }],
            volumeMounts: [
              { name: "cfg", mountPath: "/etc/landscaper" },
              { name: "webhook-tls", mountPath: "/tmp/k8s-webhook-server/serving-certs", readOnly: true },
            ],
          },
        ],
      },
    },
  },
};

const referenceService = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "sp-landscaper-metrics", namespace: "openmcp-system", labels: controllerLabels },
  spec: {
    type: "ClusterIP",
    selector: controllerLabels,
    ports: [{ name: "metrics-http", port: 8080, protocol: "TCP", targetPort: "metrics-http" }],
  },
};

const subject = (name: string) => [{ kind: "ServiceAccount", name, namespace: "openmcp-system" }];
const referenceRbac = {
  initServiceAccount: {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "sp-landscaper-init", namespace: "openmcp-system", labels: initLabels },
  },
  initClusterRoleBinding: {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "openmcp.cloud:sp-landscaper-init", labels: initLabels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: subject("sp-landscaper-init"),
  },
  role: {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "sp-landscaper-init", namespace: "openmcp-system", labels: initLabels },
    rules: [
      { apiGroups: [""], resources: ["secrets"], verbs: ["create", "update", "patch", "delete"] },
      { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "update", "patch", "delete"] },
    ],
  },
  roleBinding: {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "sp-landscaper-init", namespace: "openmcp-system", labels: initLabels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "sp-landscaper-init" },
    subjects: subject("sp-landscaper-init"),
  },
  runServiceAccount: {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "sp-landscaper", namespace: "openmcp-system", labels: controllerLabels },
  },
  runClusterRoleBinding: {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "openmcp.cloud:sp-landscaper", labels: controllerLabels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: subject("sp-landscaper"),
  },
};

/** Takes off what we add on purpose (see the README), leaving what the reference renders. */
function withoutAdditions<T extends KubeObject>(object: T, options: { keepOwner?: boolean } = {}): T {
  const copy = structuredClone(object);
  if (options.keepOwner !== true) delete copy.metadata.ownerReferences;
  if (copy.metadata.annotations !== undefined) {
    Reflect.deleteProperty(copy.metadata.annotations, ANNOTATION_INIT_HASH);
    Reflect.deleteProperty(copy.metadata.annotations, ANNOTATION_PROVIDER_IMAGE);
  }
  const spec = (copy as { spec?: { template?: { spec: { containers: Container[] } } } }).spec;
  for (const container of spec?.template?.spec.containers ?? []) delete container.terminationMessagePolicy;
  return copy;
}

void describe("reference parity: the landscaper example (spec section 3.20)", () => {
  const init = renderInitObjects(landscaperProvider(), LANDSCAPER_CTX);
  const run = renderRunObjects(landscaperProvider(), LANDSCAPER_CTX);

  void it("renders the reference Job, plus the init-hash and image annotations", () => {
    assert.deepEqual(withoutAdditions(init.job, { keepOwner: true }), referenceJob);
    assert.equal(init.job.metadata.annotations?.[ANNOTATION_INIT_HASH], init.initHash);
    assert.equal(
      init.job.metadata.annotations?.[ANNOTATION_PROVIDER_IMAGE],
      "ghcr.io/example/service-provider-landscaper:v1.2.3",
    );
  });

  void it("renders the reference Deployment", () => {
    assert.deepEqual(withoutAdditions(run.deployment, { keepOwner: true }), referenceDeployment);
  });

  void it("renders the reference metrics Service, plus an owner reference", () => {
    assert.ok(run.metricsService);
    assert.deepEqual(withoutAdditions(run.metricsService), referenceService);
    assert.deepEqual(run.metricsService.metadata.ownerReferences, [owner]);
  });

  void it("renders the reference ServiceAccounts and RBAC, plus owner references", () => {
    const rendered = {
      initServiceAccount: init.serviceAccount,
      initClusterRoleBinding: init.clusterRoleBinding,
      role: init.role,
      roleBinding: init.roleBinding,
      runServiceAccount: run.serviceAccount,
      runClusterRoleBinding: run.clusterRoleBinding,
    };
    for (const [key, object] of Object.entries(rendered)) {
      assert.deepEqual(withoutAdditions(object), referenceRbac[key as keyof typeof referenceRbac], key);
      assert.deepEqual(object.metadata.ownerReferences, [owner], key);
    }
  });

  void it("adds terminationMessagePolicy and nothing else to the containers", () => {
    for (const container of [
      ...init.job.spec.template.spec.containers,
      ...run.deployment.spec.template.spec.containers,
    ]) {
      assert.equal(container.terminationMessagePolicy, "FallbackToLogsOnError");
      assert.equal(container.securityContext, undefined);
    }
    assert.equal(init.job.spec.template.spec.securityContext, undefined);
    assert.equal(run.deployment.spec.template.spec.securityContext, undefined);
  });
});
