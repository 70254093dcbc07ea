import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FLAGS, UsageError, defaultOptions, parseCommandLine, usage } from "./flags.ts";
import { resolveOperatorOptions } from "./operator-options.ts";

const ENV = { POD_NAMESPACE: "openmcp-system" };

describe("the flag table", () => {
  it("generates a usage line for every flag and environment variable, with its default", () => {
    const text = usage();
    for (const f of FLAGS) {
      const name = f.name ? `--${f.name}` : f.env!;
      const line = text.split("\n").find((l) => l.includes(` ${name}`) || l.startsWith(`  ${name}`));
      assert.ok(line, `${name} is in the usage text`);
      if (f.default !== undefined && f.type === "string" && !f.help.includes("(default"))
        assert.match(
          text.replace(/\s+/g, " "),
          new RegExp(`default ${f.default.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`),
          name,
        );
    }
  });

  it("gives the same defaults on the command line and to a program", () => {
    const { options } = parseCommandLine(["run", "--environment=e"], ENV);
    const program = resolveOperatorOptions({ environment: "e", namespace: "openmcp-system" });
    for (const key of [
      "workers",
      "leaseName",
      "leaseDurationSeconds",
      "maxInitAttempts",
      "initJobBackoffLimit",
    ] as const)
      assert.deepEqual(program[key], options[key], key);
    assert.equal(options.workers, 4);
    assert.equal(defaultOptions().maxInitAttempts, 5);
  });

  it("keeps a 0 the user gave (no truthiness)", () => {
    const { options } = parseCommandLine(["run", "--environment=e", "--init-backoff-limit=0"], ENV);
    assert.equal(options.initJobBackoffLimit, 0);
    assert.equal(
      resolveOperatorOptions({ environment: "e", namespace: "n", initJobBackoffLimit: 0 })
        .initJobBackoffLimit,
      0,
    );
  });

  it("reads the namespace and identity from the environment", () => {
    const { options } = parseCommandLine(["run", "--environment=e"], { ...ENV, POD_NAME: "op-0" });
    assert.equal(options.namespace, "openmcp-system");
    assert.equal(options.identity, "op-0");
  });

  it("turns the three digest flags into values main combines", () => {
    const { options } = parseCommandLine(
      ["run", "--environment=e", "--resolve-image-digests", "--image-resolve-interval=30"],
      ENV,
    );
    assert.equal(options.resolveImageDigests, true);
    assert.equal(options.imageResolveIntervalMs, 30_000);
  });

  const refused: [string, string[], RegExp][] = [
    ["an empty number", ["--workers="], /invalid value "" for --workers/],
    [
      "a negative interval",
      ["--image-resolve-interval=-1"],
      /--image-resolve-interval: must be a whole number ≥ 0/,
    ],
    ["an unknown pod security", ["--pod-security=baseline"], /must be one of restricted, none/],
  ];
  for (const [what, args, message] of refused) {
    it(`refuses ${what}`, () =>
      assert.throws(
        () => parseCommandLine(["run", "--environment=e", ...args], ENV),
        (err: unknown) => {
          assert.ok(err instanceof UsageError);
          assert.match(err.message, message);
          return true;
        },
      ));
  }
});
