import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { API_VERSION, type Provider } from "@openmcp-ts/contract";
import { startOperatorHarness, type OperatorHarness } from "@openmcp-ts/test-support";
import { ensureBinaries, INIT_BEHAVIOR_ENV } from "@openmcp-ts/testenv";
import { startGithubApi } from "../packages/action/src/github-api-server.ts";
import { kubeconfigSecrets } from "../packages/action/src/kubeconfig-text.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORKFLOW = "test/act-workflows/release.yml";
const IMAGE_BASE = "ghcr.io/acme/provider-foo";

interface ActRun {
  code: number | null;
  /** act's log: each step's output lines prefixed with `[release/release]   | `. */
  log: string;
}

/** The lines a step printed, without act's prefixes. */
function stepLines(log: string): string[] {
  return log
    .split("\n")
    .map((l) => /\|\s?(.*)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined);
}

/**
 * The Action run by a real workflow runner: nektos/act in self-hosted mode (`-P
 * ubuntu-latest=-self-hosted`: steps run on this host, `uses: ./` with the node on PATH, which is
 * this test's Node 24), the repository as its workdir, a tag push event, no network beyond loopback.
 */
describe("the Action in a real runner (act) against the full control plane and the operator", () => {
  let h: OperatorHarness;
  let act: string;
  let tmp: string;
  let github: Awaited<ReturnType<typeof startGithubApi>>;

  before(async () => {
    ({ act } = await ensureBinaries(["act"]));
    h = await startOperatorHarness({
      full: true,
      operator: { initJobBackoffLimit: 4, maxInitAttempts: 1, initBackoffBaseMs: 200 },
    });
    github = await startGithubApi();
    tmp = await mkdtemp(join(tmpdir(), "action-act-"));
  });
  after(async () => {
    github?.close();
    await h?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function runAct(env: Record<string, string>, ref = "refs/tags/v1.0.0"): Promise<ActRun> {
    const event = join(tmp, `event-${Date.now()}.json`);
    // The repository and commit come from the event and --env, not from the checkout's git remote,
    // which a clone (CI's) may have as a local path act cannot read a GitHub repository from.
    await writeFile(
      event,
      JSON.stringify({
        ref,
        deleted: false,
        after: "0123456789abcdef0123456789abcdef01234567",
        repository: { full_name: "Acme/Provider-Foo" },
      }),
    );
    const home = await mkdtemp(join(tmp, "home-"));
    // act asks which image to use on its first run unless ~/.actrc exists.
    await writeFile(join(home, ".actrc"), "-P ubuntu-latest=-self-hosted\n");
    const args = [
      "push",
      "-W",
      WORKFLOW,
      "-e",
      event,
      "-P",
      "ubuntu-latest=-self-hosted",
      "--container-daemon-socket",
      "-",
      "--no-cache-server",
      "--action-offline-mode",
      "-s",
      `KUBECONFIG=${h.cp.kubeconfigYaml}`,
      "-s",
      "GITHUB_TOKEN=ghs_actRunToken",
      "--env",
      `GITHUB_API_URL=${github.url}`,
      "--env",
      "GITHUB_REPOSITORY=Acme/Provider-Foo",
      ...Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
    ];
    const child = spawn(act, args, {
      cwd: ROOT,
      env: {
        HOME: home,
        PATH: [dirname(process.execPath), process.env.PATH ?? ""].join(delimiter),
        NO_COLOR: "1",
        // act otherwise asks nektos.com for version notices: these runs use loopback only.
        ACT_DISABLE_VERSION_CHECK: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stdout.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr.on("data", (d: Buffer) => (log += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    return { code, log };
  }

  const getProvider = (name: string): Promise<Provider | undefined> =>
    h.client.find<Provider>({ apiVersion: API_VERSION, kind: "ServiceProvider", name });

  it("deploys on a tag push and verifies the release", async () => {
    const r = await runAct({ NAME: "act-foo", TIMEOUT: "60s" });
    assert.equal(r.code, 0, r.log);
    const lines = stepLines(r.log);
    assert.ok(lines.includes(`output image=${IMAGE_BASE}:v1.0.0`), r.log);
    assert.ok(lines.includes("output ready=true"), r.log);
    assert.ok(lines.includes("output github-deployment-id=17"), r.log);
    assert.ok(
      lines.some((l) => l.startsWith("node=v24.")),
      "the self-hosted runner's node is Node 24",
    );
    assert.match(r.log, /Initialized=True\/InitCompleted/);
    assert.ok(!r.log.includes("ghs_actRunToken"), "act masks the token");
    for (const secret of kubeconfigSecrets(h.cp.kubeconfigYaml, h.cp.kubeconfigYaml))
      assert.ok(!r.log.includes(secret), `${secret.slice(0, 12)}… of the kubeconfig is masked`);
    assert.equal(github.calls.at(-1)?.body.state, "success");
    assert.equal((await getProvider("act-foo"))?.spec.image, `${IMAGE_BASE}:v1.0.0`);

    const v = await runAct({ NAME: "act-foo", MODE: "verify" });
    assert.equal(v.code, 0, v.log);
    assert.match(v.log, /ServiceProvider "act-foo" runs ghcr\.io\/acme\/provider-foo:v1\.0\.0 and is Ready/);
  });

  it("plans a new tag without writing", async () => {
    const r = await runAct({ NAME: "act-foo", MODE: "plan" }, "refs/tags/v2.0.0");
    assert.equal(r.code, 0, r.log);
    assert.ok(r.log.includes(`~ spec.image: "${IMAGE_BASE}:v1.0.0" → "${IMAGE_BASE}:v2.0.0"`), r.log);
    assert.equal((await getProvider("act-foo"))?.spec.image, `${IMAGE_BASE}:v1.0.0`);
  });

  it("fails fast on a failing init pod, with its message and log lines, and sets the outputs", async () => {
    const message = "cannot install CRD widgets.example.com: forbidden";
    await h.cp.setPodLog(["provider init: installing CRDs", `Error: ${message}`]);
    const manifest = join(tmp, "broken.yaml");
    await writeFile(
      manifest,
      [
        "metadata:",
        "  name: act-broken",
        "spec:",
        "  env:",
        `    - name: ${INIT_BEHAVIOR_ENV}`,
        "      value: fail",
        "    - name: TESTENV_EXIT_CODE",
        '      value: "3"',
        "    - name: TESTENV_MESSAGE",
        `      value: ${JSON.stringify(message)}`,
        "",
      ].join("\n"),
    );
    const started = Date.now();
    const r = await runAct({ MANIFEST: manifest, TIMEOUT: "120s" });
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`act: failing init release ended after ${seconds.toFixed(1)} s (timeout 120 s)\n`);
    assert.equal(r.code, 1, r.log);
    assert.match(
      r.log,
      /::warning title=ServiceProvider "act-broken"%3A init-pod-failed::Initialized=False\/InitPodFailed: init pod sp-act-broken-init-\w+ failed \(pod 1 of 5\)/,
    );
    assert.match(r.log, /::group::Logs of ServiceProvider "act-broken"'s failed pods/);
    assert.match(r.log, /❌ {2}Failure - Main \.\//);
    assert.match(r.log, /fail-fast: an init pod exited with an error code/);
    assert.ok(r.log.includes(message), r.log);
    assert.ok(
      r.log.includes("provider init: installing CRDs"),
      `the init pod's log lines are shown:\n${r.log}`,
    );
    const lines = stepLines(r.log);
    assert.ok(lines.includes("output ready=false"), r.log);
    assert.ok(lines.includes(`output image=${IMAGE_BASE}:v1.0.0`), r.log);
    assert.ok(lines.includes("outcome=failure"), r.log);
    assert.equal(github.calls.at(-1)?.body.state, "failure", "the GitHub Deployment ends as failure");
    assert.ok(seconds < 60, `failed fast: ${seconds} s, not the 120 s timeout or the Job's five pods`);
  });

  it("fails before touching the cluster on a bad input", async () => {
    const r = await runAct({ NAME: "act-bad", TIMEOUT: "soon" });
    assert.equal(r.code, 1, r.log);
    assert.match(r.log, /input "timeout" is "soon": it must be a duration/);
    assert.equal(await getProvider("act-bad"), undefined);
  });
});
