import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { API_VERSION, type Provider } from "@openmcp-ts/contract";
import { startOperatorHarness, type OperatorHarness } from "@openmcp-ts/test-support";
import { INIT_BEHAVIOR_ENV, RUN_BEHAVIOR_ENV, tokenKubeconfig } from "@openmcp-ts/testenv";
import { kubeconfigSecrets } from "./kubeconfig-text.ts";
import { startGithubApi } from "./github-api-server.ts";

const ENTRY = fileURLToPath(new URL("../dist/index.mjs", import.meta.url));
const POST = fileURLToPath(new URL("../dist/post.mjs", import.meta.url));
const REPOSITORY = "Acme/Provider-Foo";
const IMAGE_BASE = "ghcr.io/acme/provider-foo";

interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** What the step left in RUNNER_TEMP. */
  leftInRunnerTemp: string[];
  state: string;
}

/** `name<<delimiter` blocks, as the runner reads $GITHUB_OUTPUT. */
function parseRunnerFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!);
    result[m[1]!] = value.join("\n");
  }
  return result;
}

/** Runs the bundled entry point as the runner does: inputs and context in the environment, files for the rest. */
async function runAction(
  script: string,
  inputs: Record<string, string>,
  context: Record<string, string> = {},
): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), "action-test-"));
  const runnerTemp = join(dir, "runner-temp");
  await mkdir(runnerTemp);
  const files = { output: join(dir, "output"), summary: join(dir, "summary"), state: join(dir, "state") };
  await Promise.all(Object.values(files).map((f) => writeFile(f, "")));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    GITHUB_ACTIONS: "true",
    GITHUB_REF: "refs/tags/v1.0.0",
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    GITHUB_RUN_ID: "4242",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_ACTOR: "octocat",
    RUNNER_TEMP: runnerTemp,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    ...context,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const child = spawn(process.execPath, [script], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const [output, summary, state] = await Promise.all(
    [files.output, files.summary, files.state].map((f) => readFile(f, "utf8")),
  );
  const leftInRunnerTemp = await readdir(runnerTemp);
  await rm(dir, { recursive: true, force: true });
  return {
    code,
    stdout,
    stderr,
    outputs: parseRunnerFile(output!),
    summary: summary!,
    leftInRunnerTemp,
    state: state!,
  };
}

function explain(r: ActionRun): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

describe("the action on a real cluster with the operator running", () => {
  let h: OperatorHarness;
  let kubeconfig: string;
  let tmp: string;
  before(async () => {
    h = await startOperatorHarness({
      full: true,
      operator: {
        maxInitAttempts: 1,
        initJobBackoffLimit: 0,
        initBackoffBaseMs: 200,
        rolloutFailureGraceMs: 1000,
      },
    });
    kubeconfig = h.cp.kubeconfigYaml;
    tmp = await mkdtemp(join(tmpdir(), "action-manifests-"));
  });
  after(async () => {
    await h?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const getProvider = (name: string): Promise<Provider | undefined> =>
    h.client.find<Provider>({ apiVersion: API_VERSION, kind: "ServiceProvider", name });

  it("deploys a tag, waits for Ready, reports outputs and a summary, and records a GitHub Deployment", async () => {
    const github = await startGithubApi();
    const token = "ghs_deploymentToken123";
    const r = await runAction(
      ENTRY,
      { name: "foo", kubeconfig, token, environment: "staging" },
      { GITHUB_API_URL: github.url },
    ).finally(() => github.close());
    assert.equal(r.code, 0, explain(r));
    assert.equal(r.outputs.image, `${IMAGE_BASE}:v1.0.0`);
    assert.equal(r.outputs["previous-image"], "");
    assert.equal(r.outputs.phase, "Ready");
    assert.equal(r.outputs.ready, "true");
    assert.equal(r.outputs.generation, "1");
    assert.match(r.outputs["duration-seconds"] ?? "", /^\d+$/);
    assert.match(r.summary, /\| Condition \| Status \| Reason \| Message \|/);
    assert.match(r.summary, /\| Ready \| True \| ProviderReady \|/);
    assert.match(r.stdout, /Initialized=True\/InitCompleted/, "prints the transitions");
    assert.match(r.stdout, /::add-mask::/, "masks the kubeconfig's credentials");
    const p = await getProvider("foo");
    assert.equal(p?.spec.image, `${IMAGE_BASE}:v1.0.0`);
    assert.equal(
      p?.metadata.annotations?.["openmcp.cloud/source-commit"],
      "0123456789abcdef0123456789abcdef01234567",
    );
    assert.equal(
      p?.metadata.annotations?.["openmcp.cloud/run-url"],
      `https://github.com/${REPOSITORY}/actions/runs/4242`,
    );
    assert.match(r.state, /^kubeconfig-path<</, "tells the post step where the kubeconfig was");
    assert.deepEqual(r.leftInRunnerTemp, [], "the kubeconfig is gone after the step");

    const runUrl = `https://github.com/${REPOSITORY}/actions/runs/4242`;
    assert.deepEqual(
      github.calls.map((c) => `${c.method} ${c.path} ${String(c.body.state ?? c.body.environment)}`),
      [
        `POST /repos/${REPOSITORY}/deployments staging`,
        `POST /repos/${REPOSITORY}/deployments/17/statuses in_progress`,
        `POST /repos/${REPOSITORY}/deployments/17/statuses success`,
      ],
    );
    const [created, inProgress, success] = github.calls;
    assert.equal(created?.authorization, `token ${token}`);
    assert.equal(created?.body.ref, "0123456789abcdef0123456789abcdef01234567");
    assert.deepEqual(created?.body.required_contexts, []);
    assert.deepEqual(created?.body.payload, { image: `${IMAGE_BASE}:v1.0.0` });
    assert.equal(inProgress?.body.log_url, runUrl);
    assert.equal(success?.body.log_url, runUrl);
    assert.equal(r.outputs["github-deployment-id"], "17");
    assert.match(r.stdout, new RegExp(`::add-mask::${token}`), "masks the token");
    // Every credential (the token and the kubeconfig's key, certificate and CA data) shows up only
    // in its ::add-mask:: command, and never in the job summary.
    for (const secret of [token, ...kubeconfigSecrets(kubeconfig, kubeconfig)]) {
      const lines = r.stdout.split("\n").filter((l) => l.includes(secret));
      assert.deepEqual(
        lines.map((l) => l.startsWith("::add-mask::")),
        [true],
        `${secret.slice(0, 12)}… is masked once and printed nowhere else`,
      );
      assert.ok(!r.summary.includes(secret), "no credential in the summary");
    }
  });

  it("deploys even when the token may not create GitHub Deployments, warning what failed", async () => {
    const github = await startGithubApi(true);
    const r = await runAction(
      ENTRY,
      { name: "refused", kubeconfig, token: "ghs_readonly", wait: "false" },
      { GITHUB_API_URL: github.url },
    ).finally(() => github.close());
    assert.equal(r.code, 0, explain(r));
    assert.match(
      r.stdout,
      /::warning title=GitHub Deployment not recorded::cannot create a GitHub Deployment of 0123456789abcdef0123456789abcdef01234567 to "openmcp-platform" in Acme\/Provider-Foo: Resource not accessible by integration/,
    );
    assert.equal(github.calls.length, 1, "no retries against a refusing API");
    assert.equal((await getProvider("refused"))?.spec.image, `${IMAGE_BASE}:v1.0.0`);
  });

  it("verifies the deployed release (base64 kubeconfig), and fails naming both images for another tag", async () => {
    const b64 = Buffer.from(kubeconfig).toString("base64");
    const ok = await runAction(ENTRY, { mode: "verify", name: "foo", kubeconfig: b64 });
    assert.equal(ok.code, 0, explain(ok));
    assert.equal(ok.outputs.ready, "true");
    assert.match(ok.stdout, new RegExp(`::add-mask::${b64.slice(0, 40)}`));

    const bad = await runAction(
      ENTRY,
      { mode: "verify", name: "foo", kubeconfig: b64 },
      { GITHUB_REF: "refs/tags/v2.0.0" },
    );
    assert.equal(bad.code, 1, explain(bad));
    assert.match(bad.stdout, /::error .*provider-foo:v1\.0\.0.*provider-foo:v2\.0\.0/);
  });

  it("plans a new tag with a server-side dry run: prints the diff and writes nothing", async () => {
    const r = await runAction(ENTRY, { mode: "plan", name: "foo", kubeconfig, tag: "v2.0.0" });
    assert.equal(r.code, 0, explain(r));
    assert.ok(r.stdout.includes(`~ spec.image: "${IMAGE_BASE}:v1.0.0" → "${IMAGE_BASE}:v2.0.0"`), explain(r));
    assert.match(r.summary, /```diff/);
    assert.match(r.stdout, /Runtime config: none named \(annotation openmcp\.cloud\/runtime-config\)/);
    assert.equal((await getProvider("foo"))?.spec.image, `${IMAGE_BASE}:v1.0.0`);
  });

  it("shows in a plan the runtime config that applies, or that it is missing", async () => {
    // Its own provider, so the rollouts the operator does meanwhile leave foo alone.
    const annotate = (config: string) =>
      h.client.apply(
        {
          apiVersion: API_VERSION,
          kind: "ServiceProvider",
          metadata: { name: "planned", annotations: { "openmcp.cloud/runtime-config": config } },
          spec: { image: `${IMAGE_BASE}:v1.0.0` },
        },
        "platform-team",
        { force: true },
      );
    await annotate("absent");
    const missing = await runAction(ENTRY, { mode: "plan", name: "planned", kubeconfig, tag: "v1.0.0" });
    assert.equal(missing.code, 0, explain(missing));
    assert.match(missing.stdout, /ProviderRuntimeConfig "absent" does not exist/);

    await h.client.apply(
      {
        apiVersion: "deployer.openmcp-ts.dev/v1alpha1",
        kind: "ProviderRuntimeConfig",
        metadata: { name: "small" },
        spec: { run: { resources: { limits: { memory: "128Mi" } } } },
      },
      "platform-team",
    );
    await annotate("small");
    const r = await runAction(ENTRY, { mode: "plan", name: "planned", kubeconfig, tag: "v1.0.0" });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /Runtime config: ProviderRuntimeConfig "small"/);
    assert.match(r.stdout, /memory: "?128Mi"?/);
    assert.match(r.summary, /```yaml\n[^]*128Mi/);
  });

  it("fails the step with the init pod's termination message", async () => {
    const manifest = join(tmp, "broken.yaml");
    await writeFile(
      manifest,
      [
        `apiVersion: ${API_VERSION}`,
        "kind: ServiceProvider",
        "metadata:",
        "  name: broken",
        "spec:",
        "  image: ignored:v0",
        "  env:",
        `    - name: ${INIT_BEHAVIOR_ENV}`,
        "      value: fail",
        "    - name: TESTENV_MESSAGE",
        '      value: "cannot install CRDs: permission denied"',
        "",
      ].join("\n"),
    );
    const github = await startGithubApi();
    const r = await runAction(
      ENTRY,
      { manifest, kubeconfig, timeout: "50s", token: "ghs_x" },
      { GITHUB_API_URL: github.url },
    ).finally(() => github.close());
    assert.equal(r.code, 1, explain(r));
    const last = github.calls.at(-1);
    assert.equal(last?.body.state, "failure", "the GitHub Deployment ends as failure");
    // One pod in all (backoffLimit 0): fail-fast ends the step on InitPodFailed or InitFailed, whichever is seen first.
    assert.match(String(last?.body.description), /Init(Pod)?Failed/);
    assert.match(r.stdout, /::error .*Init(Pod)?Failed.*cannot install CRDs(%3A|:) permission denied/);
    assert.equal(r.outputs.ready, "false");
    assert.match(r.summary, /Init(Pod)?Failed/);
    assert.match(r.stdout, /::group::Logs of ServiceProvider "broken"'s failed pods/);
    assert.match(r.summary, /#### Logs of the failed pods/);
  });

  it("with fail-fast: false waits for the operator to give up on the init Job", async () => {
    const manifest = join(tmp, "patient.yaml");
    await writeFile(
      manifest,
      `metadata:\n  name: patient\nspec:\n  env:\n    - name: ${INIT_BEHAVIOR_ENV}\n      value: fail\n`,
    );
    const r = await runAction(ENTRY, { manifest, kubeconfig, timeout: "50s", "fail-fast": "false" });
    assert.equal(r.code, 1, explain(r));
    assert.doesNotMatch(r.stdout, /\(fail-fast: /);
    assert.match(
      r.stdout,
      /::error .*\((the init Job failed \(InitFailed\)|the operator stopped trying \(Stalled=True\))\)/,
    );
    assert.match(r.stdout, /simulated failure/, "the init pod's termination message");
  });

  it("fails at the timeout with what the provider says", async () => {
    const manifest = join(tmp, "crashing.yaml");
    await writeFile(
      manifest,
      `metadata:\n  name: crashing\nspec:\n  env:\n    - name: ${RUN_BEHAVIOR_ENV}\n      value: crashloop\n`,
    );
    const r = await runAction(ENTRY, { manifest, kubeconfig, timeout: "3s" });
    assert.equal(r.code, 1, explain(r));
    assert.match(
      r.stdout,
      /::error .*timed out after 3s waiting for ServiceProvider "crashing" to become Ready/,
    );
    assert.equal(r.outputs.ready, "false");
  });

  it("reports the operator's rollback of a bad release as a failed deploy, with the reason", async () => {
    const good = join(tmp, "rolled.yaml");
    await writeFile(good, `metadata:\n  name: rolled\n`);
    const first = await runAction(ENTRY, { manifest: good, kubeconfig, timeout: "60s" });
    assert.equal(first.code, 0, explain(first));
    const bad = join(tmp, "rolled-bad.yaml");
    await writeFile(
      bad,
      `metadata:\n  name: rolled\nspec:\n  env:\n    - name: ${RUN_BEHAVIOR_ENV}\n      value: crashloop\n`,
    );
    const github = await startGithubApi();
    const r = await runAction(
      ENTRY,
      { manifest: bad, kubeconfig, timeout: "60s", token: "ghs_x" },
      { GITHUB_API_URL: github.url },
    ).finally(() => github.close());
    assert.equal(r.code, 1, explain(r));
    assert.match(
      r.stdout,
      /::error .*Ready=False\/RolledBack: release \S+ \(init \w+, run \w+\) failed \(CrashLoopBackOff\).*\(the operator rolled the new release back to the last good one \(RolledBack\); the old release keeps serving\)/,
    );
    assert.equal(github.calls.at(-1)?.body.state, "failure", "the GitHub Deployment ends as failure");
    assert.match(String(github.calls.at(-1)?.body.description), /RolledBack/);
    assert.equal(r.outputs.ready, "false");
  });

  it("fails fast when the run pods cannot pull the image past image-pull-grace, saying there is no log", async () => {
    const manifest = join(tmp, "unpullable.yaml");
    await writeFile(
      manifest,
      `metadata:\n  name: unpullable\nspec:\n  env:\n    - name: ${RUN_BEHAVIOR_ENV}\n      value: image-pull-backoff\n`,
    );
    const started = Date.now();
    const r = await runAction(ENTRY, { manifest, kubeconfig, timeout: "60s", "image-pull-grace": "2s" });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(r.code, 1, explain(r));
    assert.match(
      r.stdout,
      /::warning title=ServiceProvider "unpullable"%3A image-pull::Ready=False\/ProviderNotReady: .*ImagePullBackOff/,
    );
    assert.match(
      r.stdout,
      /::error .*ImagePullBackOff.*\(fail-fast: the image could not be pulled for [2-9]s \(grace 2s\)\)/,
    );
    assert.match(r.stdout, /\(no log: its image was never pulled, so the container has not run\)/);
    assert.ok(seconds < 30, `failed after ${seconds} s, not at the 60 s timeout`);
    assert.equal(r.outputs.ready, "false");
  });

  it("says which permission is missing when the credentials may not read pods/log", async () => {
    const sa = "deployer-without-logs";
    const ns = h.namespace;
    await h.client.apply(
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace: ns } },
      "test",
    );
    await h.client.apply(
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: sa },
        rules: [
          {
            apiGroups: ["openmcp.cloud"],
            resources: ["serviceproviders"],
            verbs: ["get", "patch", "create"],
          },
          { apiGroups: [""], resources: ["pods"], verbs: ["list"] },
        ],
      },
      "test",
    );
    await h.client.apply(
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: sa },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: sa },
        subjects: [{ kind: "ServiceAccount", name: sa, namespace: ns }],
      },
      "test",
    );
    const { status } = (await h.client.call("POST", `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 600 },
      },
    })) as { status: { token: string } };
    const manifest = join(tmp, "crashing-limited.yaml");
    await writeFile(
      manifest,
      `metadata:\n  name: crashing-limited\nspec:\n  env:\n    - name: ${RUN_BEHAVIOR_ENV}\n      value: crashloop\n`,
    );
    const r = await runAction(ENTRY, {
      manifest,
      kubeconfig: tokenKubeconfig(h.cp, sa, status.token),
      timeout: "8s",
    });
    assert.equal(r.code, 1, explain(r));
    assert.match(r.stdout, /::warning title=ServiceProvider "crashing-limited"%3A crash-loop::/);
    assert.match(
      r.stdout,
      new RegExp(
        `--- run pod ${ns}/sp-crashing-limited-\\S+, container \\S+: CrashLoopBackOff \\(last exit code 2\\) ---`,
      ),
    );
    assert.match(
      r.stdout,
      new RegExp(
        `\\(no log: the credentials may not read pods/log in namespace "${ns}" \\(403 Forbidden\\); grant "get" on pods/log`,
      ),
    );
    assert.match(r.summary, /No log: the credentials may not read pods\/log/);
  });

  it("refuses a branch ref without a tag and changes nothing", async () => {
    const r = await runAction(ENTRY, { name: "untagged", kubeconfig }, { GITHUB_REF: "refs/heads/main" });
    assert.equal(r.code, 1, explain(r));
    assert.match(r.stdout, /::error .*input "tag" is empty and GITHUB_REF "refs\/heads\/main" is not a tag/);
    assert.equal(await getProvider("untagged"), undefined);
  });

  it("refuses an invalid manifest, naming the field, and changes nothing", async () => {
    const manifest = join(tmp, "invalid.yaml");
    await writeFile(manifest, "metadata:\n  name: invalid\nspec:\n  runReplicas: 0\n");
    const r = await runAction(ENTRY, { manifest, kubeconfig });
    assert.equal(r.code, 1, explain(r));
    assert.match(r.stdout, /::error .*spec\.runReplicas: 0 is out of range/);
    assert.equal(await getProvider("invalid"), undefined);
  });

  it("fails clearly when the cluster cannot be reached", async () => {
    const unreachable = kubeconfig.replace(
      /server: https:\/\/127\.0\.0\.1:\d+/,
      "server: https://127.0.0.1:1",
    );
    assert.notEqual(unreachable, kubeconfig);
    const r = await runAction(ENTRY, { name: "foo", kubeconfig: unreachable });
    assert.equal(r.code, 1, explain(r));
    assert.match(
      r.stdout,
      /::error .*cannot read ServiceProvider "foo" from https%3A\/\/127\.0\.0\.1%3A1|::error .*cannot read ServiceProvider "foo" from https:\/\/127\.0\.0\.1:1/,
    );
    assert.match(r.stdout, /ECONNREFUSED/);
  });
});

describe("the post step", () => {
  it("removes the kubeconfig the main step left behind", async () => {
    const dir = await mkdtemp(join(tmpdir(), "action-post-"));
    const kubeconfigDir = await mkdtemp(join(dir, "openmcp-deploy-"));
    const path = join(kubeconfigDir, "kubeconfig");
    await writeFile(path, "apiVersion: v1\n", { mode: 0o600 });
    const r = await runAction(POST, {}, { "STATE_kubeconfig-path": path });
    assert.equal(r.code, 0, explain(r));
    assert.deepEqual(await readdir(dir), []);
    await rm(dir, { recursive: true, force: true });
  });
});
