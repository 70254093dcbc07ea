import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseProviderClusterRoles } from "./main.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

function operator(
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    timeout: 30_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe("openmcp-operator command line", () => {
  it("explains itself with --help", () => {
    const r = operator(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: openmcp-operator <init\|run>/);
    assert.match(r.stdout, /POD_NAMESPACE/);
  });
  const failures: [string, string[], Record<string, string>, RegExp][] = [
    [
      "run without POD_NAMESPACE (scenario 34)",
      ["run", "--environment=live"],
      {},
      /POD_NAMESPACE is not set/,
    ],
    [
      "run without --environment (scenario 34)",
      ["run"],
      { POD_NAMESPACE: "openmcp-system" },
      /missing required flag --environment/,
    ],
    [
      "an unknown flag",
      ["run", "--environment=live", "--bogus"],
      { POD_NAMESPACE: "x" },
      /Unknown option '--bogus'/,
    ],
    ["an unknown command", ["start", "--environment=live"], {}, /unknown command "start": want init or run/],
    [
      "a bad verbosity",
      ["run", "--environment=live", "-v", "TRACE"],
      { POD_NAMESPACE: "x" },
      /invalid value "TRACE" for --verbosity/,
    ],
    [
      "a bad worker count",
      ["run", "--environment=live", "--workers=0"],
      { POD_NAMESPACE: "x" },
      /invalid value "0" for --workers/,
    ],
    [
      "a provider ClusterRole for an unknown kind",
      ["run", "--environment=live", "--provider-cluster-role=Provider=admin"],
      { POD_NAMESPACE: "x" },
      /unknown kind "Provider", want ClusterProvider, ServiceProvider, PlatformService/,
    ],
    [
      "a rollback switch other than on or off",
      ["run", "--environment=live", "--rollback=no"],
      { POD_NAMESPACE: "x" },
      /invalid value "no" for --rollback: must be on or off/,
    ],
    [
      "a zero rollout deadline",
      ["run", "--environment=live", "--rollout-deadline=0"],
      { POD_NAMESPACE: "x" },
      /invalid value "0" for --rollout-deadline/,
    ],
  ];
  for (const [what, args, env, message] of failures) {
    it(`refuses ${what} with exit code 2 and names the problem`, () => {
      const r = operator(args, env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
    });
  }
  it("fails with exit code 1 and says what it attempted when the cluster is unreachable", () => {
    const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;
    const r = operator(["init", "--environment=live", `--kubeconfig=${kubeconfig}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot install CRD .*ECONNREFUSED/);
  });
});

describe("parseProviderClusterRoles", () => {
  it("takes one role for every kind", () =>
    assert.deepEqual(parseProviderClusterRoles("cluster-admin"), {
      ClusterProvider: "cluster-admin",
      ServiceProvider: "cluster-admin",
      PlatformService: "cluster-admin",
    }));
  it("takes roles per kind, the others keeping the default", () =>
    assert.deepEqual(parseProviderClusterRoles("ServiceProvider=openmcp:service-provider"), {
      ServiceProvider: "openmcp:service-provider",
    }));
  it("lets a kind override the role for every kind", () =>
    assert.deepEqual(parseProviderClusterRoles("admin, PlatformService=platform-admin"), {
      ClusterProvider: "admin",
      ServiceProvider: "admin",
      PlatformService: "platform-admin",
    }));
  for (const bad of ["", "ServiceProvider=", "a,b", "a b"]) {
    it(`refuses ${JSON.stringify(bad)}`, () =>
      assert.throws(() => parseProviderClusterRoles(bad), /invalid value .* for --provider-cluster-role/));
  }
});
