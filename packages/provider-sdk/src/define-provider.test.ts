import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineProvider, extractKubeconfigFlag } from "./define-provider.ts";
import { captureOutput } from "@openmcp-ts/test-support/capture-output";

const capture = captureOutput;

const never = (): Promise<void> => Promise.reject(new Error("must not be called"));

describe("extractKubeconfigFlag", () => {
  const cases: [string[], ReturnType<typeof extractKubeconfigFlag>][] = [
    [["init", "--kubeconfig=/k"], { argv: ["init"], kubeconfig: "/k" }],
    [["--kubeconfig", "/k", "run"], { argv: ["run"], kubeconfig: "/k" }],
    [["run", "--environment=x"], { argv: ["run", "--environment=x"], kubeconfig: undefined }],
    [["run", "--", "--kubeconfig=/k"], { argv: ["run", "--", "--kubeconfig=/k"], kubeconfig: undefined }],
    [["run", "--kubeconfig"], { error: "flag --kubeconfig needs a value" }],
    [["run", "--kubeconfig="], { error: `invalid value "" for --kubeconfig: must not be empty` }],
  ];
  for (const [argv, want] of cases) {
    it(JSON.stringify(argv), () => assert.deepEqual(extractKubeconfigFlag(argv), want));
  }
});

describe("defineProvider main without a cluster", () => {
  const provider = defineProvider({ name: "example-provider", init: never, run: never });

  it("prints help with --kubeconfig and exits 0", async () => {
    const io = capture();
    assert.equal(await provider.main(["run", "--help"], {}, io), 0);
    const text = io.out.join("");
    assert.match(text, /^Usage: example-provider run \[flags\]/);
    assert.match(text, /--kubeconfig string/);
    assert.match(text, /--leader-elect/);
  });

  it("exits 2 with the parser's message on bad arguments", async () => {
    const io = capture();
    assert.equal(await provider.main(["init", "--environment=dev"], {}, io), 2);
    assert.match(
      io.err.join(""),
      /^Error: missing required flag --provider-name\nRun 'example-provider --help'/,
    );
  });

  it("exits 1 when the platform client cannot be built", async () => {
    const io = capture();
    const code = await provider.main(
      ["init", "--environment=dev", "--provider-name=example", "--kubeconfig=/nonexistent/kubeconfig"],
      {},
      io,
    );
    assert.equal(code, 1);
    const line = JSON.parse(io.err.join("").trim()) as Record<string, unknown>;
    assert.equal(line.msg, "cannot create the platform cluster client");
    assert.equal(line.level, "error");
  });
});

describe("defineProvider main on SIGTERM", () => {
  // No request is ever sent: the client only needs a current cluster.
  const kubeconfig = [
    "apiVersion: v1",
    "kind: Config",
    "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]",
    "users: [{name: u, user: {token: t}}]",
    "contexts: [{name: x, context: {cluster: c, user: u}}]",
    "current-context: x",
  ].join("\n");

  it("aborts the signal given to run, which then ends with exit code 0", async () => {
    const provider = defineProvider({
      init: never,
      run: ({ signal }) =>
        new Promise((resolve) => {
          // Keeps the event loop alive until the signal arrives (Deno does not count signal listeners).
          const alive = setTimeout(() => undefined, 10_000);
          signal.addEventListener(
            "abort",
            () => {
              clearTimeout(alive);
              resolve();
            },
            { once: true },
          );
          process.kill(process.pid, "SIGTERM");
        }),
    });
    const io = capture();
    const code = await provider.main(
      ["run", "--environment=dev", "--provider-name=example"],
      { KUBECONFIG: kubeconfig },
      io,
    );
    assert.equal(code, 0);
    const messages = io.err.map((l) => (JSON.parse(l) as { msg: string; signal?: string }).msg);
    assert.ok(messages.includes("stopping on signal"), io.err.join(""));
    assert.equal(process.listenerCount("SIGTERM"), 0, "main removes its signal handlers");
  });
});
