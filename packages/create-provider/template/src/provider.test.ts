// Runs init and run as the operator would (own processes, the contract's flags), against a real
// kube-apiserver from @openmcp-ts/testenv (built from Go modules once per machine, then cached).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { API_VERSION as OPENMCP_API_VERSION, providerCrd, type ServiceProvider } from "@openmcp-ts/contract";
import { KubeClient } from "@openmcp-ts/kube";
import { installCrds } from "@openmcp-ts/provider-sdk";
import { eventually, startControlPlane, type ControlPlane } from "@openmcp-ts/testenv";
import { API_VERSION, EXAMPLE_GVK } from "./example-crd.ts";
import { PROVIDER_NAME, configMapName } from "./provider.ts";

const MAIN = join(import.meta.dirname, "main.ts");

function startProvider(args: string[], kubeconfig: string): { child: ChildProcess; output: () => string } {
  const child = spawn(
    process.execPath,
    [MAIN, ...args, `--provider-name=${PROVIDER_NAME}`, "--environment=test"],
    {
      env: {
        PATH: process.env.PATH,
        KUBECONFIG: kubeconfig,
        POD_NAMESPACE: "default",
        PLATFORM_IS_ONBOARDING: "true",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

describe(`${PROVIDER_NAME} against a real kube-apiserver`, () => {
  let cp: ControlPlane;
  let platform: KubeClient;
  before(async () => {
    cp = await startControlPlane();
    platform = KubeClient.create({ kubeconfig: cp.kubeconfigPath });
    await installCrds({ platform }, [providerCrd("ServiceProvider")]);
    await platform.create<ServiceProvider>({
      apiVersion: OPENMCP_API_VERSION,
      kind: "ServiceProvider",
      metadata: { name: PROVIDER_NAME },
      spec: { image: `ghcr.io/example/${PROVIDER_NAME}:dev` },
    });
  });
  after(async () => {
    await cp?.stop();
  });

  it("init installs the Example CRD and registers it on the ServiceProvider", async () => {
    const init = startProvider(["init"], cp.kubeconfigPath);
    const [code] = (await once(init.child, "exit")) as [number | null];
    assert.equal(code, 0, init.output());
    const sp = await platform.get<ServiceProvider>({
      apiVersion: OPENMCP_API_VERSION,
      kind: "ServiceProvider",
      name: PROVIDER_NAME,
    });
    assert.deepEqual(sp.status?.resources, [EXAMPLE_GVK]);
  });

  it("run reconciles an Example into a ConfigMap and exits 0 on SIGTERM", async () => {
    const run = startProvider(["run"], cp.kubeconfigPath);
    const exited = once(run.child, "exit");
    platform.registerPlural("Example", "examples"); // this test process's client, for the kind init installed
    try {
      await platform.apply(
        {
          apiVersion: API_VERSION,
          kind: "Example",
          metadata: { name: "hello", namespace: "default" },
          spec: { data: { greeting: "hello" } },
        },
        "test",
      );
      const cm = await eventually(
        "the Example's ConfigMap",
        () =>
          platform.find<{ data?: Record<string, string> }>({
            apiVersion: "v1",
            kind: "ConfigMap",
            namespace: "default",
            name: configMapName("hello"),
          }),
        30_000,
      );
      assert.deepEqual(cm.data, { greeting: "hello" });
    } finally {
      run.child.kill("SIGTERM");
    }
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, run.output());
  });
});
