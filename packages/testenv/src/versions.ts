/** Pinned versions of the control plane the harness builds; each wrapper module under ../go pins the same. */
export const KUBERNETES_VERSION = "v1.37.2";
export const ETCD_VERSION = "v3.6.8";
export const KWOK_VERSION = "v0.8.0";
/** Not part of the control plane: the workflow linter the tests run on .github/workflows and action.yml. */
export const ACTIONLINT_VERSION = "v1.7.9";
/** Not part of the control plane: the workflow runner the Action's tests run workflows with. */
export const ACT_VERSION = "v0.2.89";
/** Not part of the control plane: the OCI registry (CNCF distribution) for image resolution tests. */
export const REGISTRY_VERSION = "v3.1.2";

export const BINARY_NAMES = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubectl",
  "kwok",
  "actionlint",
  "act",
  "registry",
] as const;
export type BinaryName = (typeof BINARY_NAMES)[number];

interface BuildRecipe {
  /** Directory of the wrapper Go module, relative to packages/testenv/go. */
  module: string;
  /** Go package path of the main package. */
  pkg: string;
  version: string;
  ldflags: string;
}

const kubeLdflags = [
  "-s -w",
  `-X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION}`,
  `-X k8s.io/component-base/version.gitMajor=1`,
  `-X k8s.io/component-base/version.gitMinor=${KUBERNETES_VERSION.split(".")[1]}`,
  "-X k8s.io/component-base/version.gitTreeState=clean",
  `-X k8s.io/client-go/pkg/version.gitVersion=${KUBERNETES_VERSION}`,
].join(" ");

export const BUILD_RECIPES: Record<BinaryName, BuildRecipe> = {
  etcd: { module: "etcd", pkg: "go.etcd.io/etcd/server/v3", version: ETCD_VERSION, ldflags: "-s -w" },
  "kube-apiserver": {
    module: "kubernetes",
    pkg: "k8s.io/kubernetes/cmd/kube-apiserver",
    version: KUBERNETES_VERSION,
    ldflags: kubeLdflags,
  },
  "kube-controller-manager": {
    module: "kubernetes",
    pkg: "k8s.io/kubernetes/cmd/kube-controller-manager",
    version: KUBERNETES_VERSION,
    ldflags: kubeLdflags,
  },
  "kube-scheduler": {
    module: "kubernetes",
    pkg: "k8s.io/kubernetes/cmd/kube-scheduler",
    version: KUBERNETES_VERSION,
    ldflags: kubeLdflags,
  },
  kubectl: {
    module: "kubernetes",
    pkg: "k8s.io/kubernetes/cmd/kubectl",
    version: KUBERNETES_VERSION,
    ldflags: kubeLdflags,
  },
  kwok: { module: "kwok", pkg: "sigs.k8s.io/kwok/cmd/kwok", version: KWOK_VERSION, ldflags: "-s -w" },
  actionlint: {
    module: "actionlint",
    pkg: "github.com/rhysd/actionlint/cmd/actionlint",
    version: ACTIONLINT_VERSION,
    ldflags: `-s -w -X github.com/rhysd/actionlint.version=${ACTIONLINT_VERSION}`,
  },
  // act embeds its version from the module's VERSION file.
  act: { module: "act", pkg: "github.com/nektos/act", version: ACT_VERSION, ldflags: "-s -w" },
  registry: {
    module: "registry",
    pkg: "github.com/distribution/distribution/v3/cmd/registry",
    version: REGISTRY_VERSION,
    ldflags: "-s -w",
  },
};
