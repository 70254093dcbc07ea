import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./cli.ts";
import { ScaffoldInputError, providerNameFor, scaffoldProvider } from "./scaffold-provider.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "create-provider-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("scaffoldProvider", () => {
  it("writes the repository with the names filled in and dotfiles restored", () =>
    withTempDir(async (tmp) => {
      const dir = join(tmp, "my-provider");
      const result = await scaffoldProvider({ dir, name: "@acme/my_provider", openmcpVersion: "^0.1.0" });
      assert.equal(result.providerName, "my-provider");
      assert.deepEqual(result.files, [
        ".dockerignore",
        ".github/workflows/release.yml",
        ".gitignore",
        "Dockerfile",
        "deploy/serviceprovider.yaml",
        "package.json",
        "src/example-crd.ts",
        "src/main.ts",
        "src/provider.test.ts",
        "src/provider.ts",
        "tsconfig.json",
      ]);
      const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
        name: string;
        dependencies: Record<string, string>;
      };
      assert.equal(pkg.name, "@acme/my_provider");
      assert.equal(pkg.dependencies["@openmcp-ts/provider-sdk"], "^0.1.0");
      const all = await Promise.all(result.files.map((f) => readFile(join(dir, f), "utf8")));
      assert.ok(!all.some((t) => /__[a-zA-Z]+__/.test(t)), "no placeholder is left");
      assert.match(await readFile(join(dir, "src/provider.ts"), "utf8"), /PROVIDER_NAME = "my-provider"/);
      assert.match(
        await readFile(join(dir, ".github/workflows/release.yml"), "utf8"),
        /uses: openmcp-project\/provider-deployer-ts@v1/,
      );
    }));

  it("refuses a non-empty directory and leaves its files alone", () =>
    withTempDir(async (dir) => {
      await writeFile(join(dir, "package.json"), "mine");
      await assert.rejects(
        scaffoldProvider({ dir, name: "ok-name", openmcpVersion: "^0.1.0" }),
        (err: unknown) => err instanceof ScaffoldInputError && /exists and is not empty/.test(err.message),
      );
      assert.deepEqual(await readdir(dir), ["package.json"]);
      assert.equal(await readFile(join(dir, "package.json"), "utf8"), "mine");
    }));

  for (const name of ["My-Provider", "has space", ".dot", "", "node_modules", "a".repeat(215)]) {
    it(`refuses the package name ${JSON.stringify(name.slice(0, 20))} and writes nothing`, () =>
      withTempDir(async (tmp) => {
        const dir = join(tmp, "target");
        await assert.rejects(
          scaffoldProvider({ dir, name, openmcpVersion: "^0.1.0" }),
          (err: unknown) =>
            err instanceof ScaffoldInputError && err.message.includes("not a valid npm package name"),
        );
        assert.deepEqual(await readdir(tmp), []);
      }));
  }

  it("names the provider after the unscoped package name as a DNS label", () => {
    for (const [pkg, want] of [
      ["plain", "plain"],
      ["@scope/with.dots_and_underscores", "with-dots-and-underscores"],
      ["--x--", "x"],
      ["@s/___", "provider"],
    ] as const) {
      assert.equal(providerNameFor(pkg), want, pkg);
    }
  });
});

describe("create-provider CLI", () => {
  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(
      argv,
      (t) => (out += t),
      (t) => (err += t),
    );
    return { code, out, err };
  }

  it("exits 2 with usage without a directory, and 2 with the reason on bad input", () =>
    withTempDir(async (tmp) => {
      const none = await run([]);
      assert.equal(none.code, 2);
      assert.match(none.err, /expected exactly one directory/);
      const bad = await run([join(tmp, "Bad Name")]);
      assert.equal(bad.code, 2);
      assert.match(bad.err, /cannot create provider "Bad Name": not a valid npm package name/);
      assert.deepEqual(await readdir(tmp), []);
    }));

  it("exits 0 and lists what it wrote", () =>
    withTempDir(async (tmp) => {
      const ok = await run([join(tmp, "p"), "--name", "@acme/p"]);
      assert.equal(ok.code, 0, ok.err);
      assert.match(ok.out, /Created @acme\/p/);
      assert.match(ok.out, /src\/main\.ts/);
      const pkg = JSON.parse(await readFile(join(tmp, "p", "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
      };
      assert.match(pkg.dependencies["@openmcp-ts/kube"] ?? "", /^\^0\.\d+\.\d+$/);
    }));
});
