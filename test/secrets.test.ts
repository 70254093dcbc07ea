import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { API_VERSION, providerObjectNames, type Provider } from "@openmcp-ts/contract";
import {
  condition,
  eventually,
  spawnOperatorProcess,
  startOperatorHarness,
  testProvider,
  type OperatorHarness,
  type OperatorProcess,
} from "@openmcp-ts/test-support";
import { freePort } from "@openmcp-ts/testenv";

/**
 * Nothing secret leaves the operator: neither the webhook Secret's data (which it must not even
 * read) nor the literal env values of a provider (which go into the pod specs by contract) appear in
 * its logs at DEBUG, in Events, in the provider's status or on /metrics.
 */
describe("secrets stay out of logs, events, status and metrics", () => {
  let h: OperatorHarness;
  let operator: OperatorProcess;
  let metricsPort: number;
  const envSecret = `env-${randomBytes(12).toString("hex")}`;
  const tlsKey = `key-${randomBytes(12).toString("hex")}`;
  const forbidden = [envSecret, tlsKey, Buffer.from(tlsKey).toString("base64")];

  before(async () => {
    h = await startOperatorHarness();
    await h.operator.stop();
    metricsPort = await freePort();
    operator = spawnOperatorProcess({
      kubeconfig: h.cp.kubeconfigPath,
      id: "secrets",
      args: ["-v", "DEBUG", `--metrics-bind-address=127.0.0.1:${metricsPort}`],
    });
    await eventually("operator running", () => operator.started(), 60_000);
  });
  after(async () => {
    await operator?.stop();
    await h?.cp.stop();
  });

  function leaks(where: string, text: string): string[] {
    return forbidden.filter((s) => text.includes(s)).map((s) => `${where} contains ${s.slice(0, 8)}…`);
  }

  it("for a provider with a webhook Secret and a secret env value", async () => {
    await h.client.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: providerObjectNames("ServiceProvider", "holder").webhookSecret,
          namespace: h.namespace,
        },
        data: { "tls.key": Buffer.from(tlsKey).toString("base64"), "tls.crt": "Y2VydA==" },
      },
      "test",
    );
    await h.client.apply(
      testProvider("ServiceProvider", "holder", { env: [{ name: "API_TOKEN", value: envSecret }] }),
      "test",
    );
    const provider = (kind: string, name: string) =>
      h.client.find<Provider>({ apiVersion: API_VERSION, kind, name });
    await eventually("status of holder", async () =>
      condition(await provider("ServiceProvider", "holder"), "Initialized"),
    );
    const job = await h.client.get<{
      spec: { template: { spec: { containers: { env?: { value?: string }[] }[] } } };
    }>({
      apiVersion: "batch/v1",
      kind: "Job",
      namespace: h.namespace,
      name: providerObjectNames("ServiceProvider", "holder").init,
    });
    assert.ok(
      job.spec.template.spec.containers[0]?.env?.some((e) => e.value === envSecret),
      "the env value reaches the pod, as the contract says",
    );

    const problems: string[] = [];
    problems.push(...leaks("the operator's log", operator.logs.join("\n")));
    const events = await h.client.list<unknown>({ apiVersion: "v1", kind: "Event" });
    problems.push(...leaks("an Event", JSON.stringify(events.items)));
    problems.push(
      ...leaks(
        "the provider's status",
        JSON.stringify((await provider("ServiceProvider", "holder"))?.status),
      ),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    problems.push(...leaks("/metrics", metrics));
    assert.deepEqual(problems, []);
    assert.ok(operator.logs.length > 5, "the log was captured at DEBUG");
  });
});
