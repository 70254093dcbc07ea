// The packages as provider authors get them: every published package is packed, installed with npm
// into a project outside the workspace, and used there as a provider repository would use them —
// the scaffold from the packed create-provider, its own `npm test` (tsc on the published types,
// init and run against the control plane of the packed testenv), Deno on the same node_modules and
// on the JSR layout of the core.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILD_RECIPES } from "@openmcp-ts/testenv";
import {
  JSR_PACKAGES,
  PUBLISHED_PACKAGES,
  REPO_ROOT,
  consumerEnv,
  packPackages,
  run,
  runStreaming,
  type PublishedPackage,
} from "../scripts/pack-packages.ts";

const DENO = join(REPO_ROOT, "node_modules", ".bin", "deno");
/** The one version all published packages carry (changesets' fixed group moves them together). */
const PUBLISHED_VERSION = (
  JSON.parse(readFileSync(join(REPO_ROOT, "packages", "contract", "package.json"), "utf8")) as {
    version: string;
  }
).version;

function progress(line: string): void {
  process.stderr.write(`packages: ${line}\n`);
}

interface PackedManifest {
  name: string;
  version: string;
  private?: boolean;
  exports: Record<string, { types: string; default: string }>;
  files: string[];
  license: string;
  engines: { node: string };
  sideEffects: boolean;
  repository: { url: string; directory: string };
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}

describe("the packages installed from their tarballs outside the workspace", { timeout: 15 * 60_000 }, () => {
  let tmp: string;
  let tarballs: Record<PublishedPackage, string>;
  let project: string;
  let nodeOutput: CoreOutput | undefined;
  const env = consumerEnv();

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), "openmcp-packages-"));
    progress(`packing into ${tmp}`);
    tarballs = await packPackages(join(tmp, "tarballs"), progress);
  });
  after(async () => {
    if (!tmp) return;
    await rm(tmp, { recursive: true, force: true });
    // npm exec keeps what it installed for `--package=<tarball>` under <cache>/_npx/<hash>.
    const npx = join((await run(["npm", "config", "get", "cache"], REPO_ROOT, env)).trim(), "_npx");
    for (const dir of await readdir(npx).catch((): string[] => [])) {
      const manifest = await readFile(join(npx, dir, "package.json"), "utf8").catch(() => "");
      if (manifest.includes(tmp)) await rm(join(npx, dir), { recursive: true, force: true });
    }
  });

  it("deno publish --dry-run of the core is clean (JSR's checks, no slow types)", async () => {
    const out = await run([DENO, "publish", "--dry-run", "--allow-dirty"], REPO_ROOT, env);
    for (const pkg of JSR_PACKAGES) assert.match(out, new RegExp(`@openmcp-ts/${pkg}@${PUBLISHED_VERSION}`));
    assert.match(out, /Dry run complete/);
    assert.doesNotMatch(out, /warning/i);
  });

  it("every tarball holds built ES modules with .d.ts, a README, real versions and the npm fields", async () => {
    for (const pkg of PUBLISHED_PACKAGES) {
      const listing = (await run(["tar", "tzf", tarballs[pkg]], tmp)).split("\n").filter(Boolean);
      const files = listing.map((f) => f.replace(/^package\//, ""));
      const manifest = JSON.parse(
        await run(["tar", "xzOf", tarballs[pkg], "package/package.json"], tmp),
      ) as PackedManifest;
      const where = `@openmcp-ts/${pkg}`;
      assert.equal(manifest.name, where);
      assert.equal(manifest.private, undefined, `${where} is not private`);
      assert.equal(manifest.version, PUBLISHED_VERSION, `${where} moves with the others`);
      assert.deepEqual(
        manifest.exports["."],
        { types: "./dist/index.d.ts", default: "./dist/index.js" },
        where,
      );
      assert.equal(manifest.license, "Apache-2.0");
      assert.equal(manifest.engines.node, ">=24");
      assert.equal(manifest.sideEffects, false);
      assert.equal(manifest.repository.directory, `packages/${pkg}`);
      assert.ok(files.includes("README.md"), `${where} has a README`);
      assert.ok(files.includes("dist/index.js") && files.includes("dist/index.d.ts"), where);
      const sources = files.filter(
        (f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.startsWith("template/"),
      );
      assert.deepEqual(sources, [], `${where} ships no TypeScript sources`);
      assert.ok(
        !files.some((f) => f.includes(".test.") && !f.startsWith("template/")),
        `${where} ships no tests`,
      );
      for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
        assert.ok(!range.startsWith("workspace:"), `${where} depends on ${dep}@${range}`);
      }
      for (const file of Object.values(manifest.bin ?? {})) {
        assert.ok(files.includes(file.replace(/^\.\//, "")), `${where} bin ${file} is packed`);
      }
      // What the publish workflow runs, minus the upload.
      const dryRun = await run(
        ["npm", "publish", "--dry-run", "--access", "public", tarballs[pkg]],
        tmp,
        env,
      );
      assert.match(dryRun, new RegExp(`\\+ @openmcp-ts/${pkg}@${PUBLISHED_VERSION.replaceAll(".", "\\.")}`));
      if (pkg === "testenv") {
        const modules = new Set(Object.values(BUILD_RECIPES).map((r) => r.module));
        for (const m of modules) {
          assert.ok(
            files.includes(`go/${m}/go.mod`) && files.includes(`go/${m}/go.sum`),
            `testenv packs go/${m}`,
          );
        }
      }
    }
  });

  it("npm create @openmcp-ts/provider (the packed create-provider) scaffolds a provider repository", async () => {
    project = join(tmp, "my-provider");
    const out = await run(
      [
        "npm",
        "exec",
        "--yes",
        `--package=${tarballs["create-provider"]}`,
        "--",
        "create-provider",
        project,
        "--name",
        "@acme/my-provider",
      ],
      tmp,
      env,
    );
    assert.match(out, /Created @acme\/my-provider/);
    assert.ok(existsSync(join(project, "src", "main.ts")));
    progress(`scaffolded ${project}`);

    // Refusals of the packed CLI: an existing non-empty directory (the one just made) and a bad name.
    const again = await run(
      ["npm", "exec", "--yes", `--package=${tarballs["create-provider"]}`, "--", "create-provider", project],
      tmp,
      env,
    ).then(
      () => undefined,
      (err: unknown) => String(err),
    );
    assert.match(again ?? "no error", /exists and is not empty/);
    const badName = await run(
      [
        "npm",
        "exec",
        "--yes",
        `--package=${tarballs["create-provider"]}`,
        "--",
        "create-provider",
        join(tmp, "Bad Name"),
      ],
      tmp,
      env,
    ).then(
      () => undefined,
      (err: unknown) => String(err),
    );
    assert.match(badName ?? "no error", /not a valid npm package name/);
    assert.ok(!existsSync(join(tmp, "Bad Name")));
  });

  it("installs from the tarballs with npm (third-party dependencies from the registry)", async () => {
    assert.ok(project, "scaffolded");
    // The scaffold depends on ^<version> from the registry; here the same names come from the
    // tarballs. render and reconciler are added for the Deno checks below.
    const pkgPath = join(project, "package.json");
    const pkg = JSON.parse(await readFile(pkgPath, "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const deps of [pkg.dependencies, pkg.devDependencies]) {
      for (const name of Object.keys(deps)) {
        const short = name.replace("@openmcp-ts/", "") as PublishedPackage;
        if (name.startsWith("@openmcp-ts/")) deps[name] = `file:${tarballs[short]}`;
      }
    }
    pkg.dependencies["@openmcp-ts/render"] = `file:${tarballs.render}`;
    pkg.dependencies["@openmcp-ts/reconciler"] = `file:${tarballs.reconciler}`;
    await writeFile(pkgPath, JSON.stringify(pkg, null, 2) + "\n");
    const started = Date.now();
    await runStreaming(["npm", "install", "--no-audit", "--no-fund"], project, env, "packages: npm install:");
    progress(`npm install in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const installed = await readdir(join(project, "node_modules", "@openmcp-ts"));
    assert.deepEqual(installed.sort(), [
      "contract",
      "kube",
      "provider-sdk",
      "reconciler",
      "render",
      "testenv",
    ]);
    // One copy of each: provider-sdk's own dependencies are the installed tarballs, not registry copies.
    const nested = await readdir(join(project, "node_modules", "@openmcp-ts", "provider-sdk")).catch(
      (): string[] => [],
    );
    assert.ok(!nested.includes("node_modules"), "provider-sdk has no nested @openmcp-ts copies");
  });

  it("the packed testenv's bin and Go wrapper modules work from node_modules", async () => {
    const out = await run(["npx", "--no-install", "openmcp-testenv", "env"], project, env);
    assert.match(out, /kube-apiserver\s+v1\.\d+\.\d+/);
    const goDir = join(project, "node_modules", "@openmcp-ts", "testenv", "go", "kubernetes");
    const go = await run(["go", "version"], tmp, env).catch(() => undefined);
    if (go === undefined) {
      progress("no go on PATH: the wrapper modules are only checked for presence");
      assert.ok(existsSync(join(goDir, "go.mod")));
      return;
    }
    // The module graph resolves from the packed go.mod/go.sum alone (offline: from the module cache
    // the control plane build filled; a missing or inconsistent file fails here).
    const mods = await run(["go", "list", "-m", "k8s.io/kubernetes", "k8s.io/api"], goDir, {
      ...env,
      GOFLAGS: "-mod=mod",
      GOPROXY: "off",
    });
    assert.match(mods, /k8s\.io\/kubernetes v1\.\d+\.\d+/);
  });

  it("the scaffold's own npm test passes: tsc --noEmit on the published types, init and run on the packed testenv", async () => {
    const started = Date.now();
    const out = await runStreaming(["npm", "test"], project, env, "packages: npm test:");
    progress(`npm test of the scaffold in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.match(out, /ℹ pass 2/);
    assert.match(out, /ℹ fail 0/);
  });

  it("tsc rejects a provider that misuses the published API (the types are really checked)", async () => {
    const bad = join(project, "src", "bad-usage.ts");
    await writeFile(
      bad,
      'import { defineProvider } from "@openmcp-ts/provider-sdk";\n' +
        "export const p = defineProvider({ name: 1, async init() {} });\n",
    );
    try {
      const result = await run(["npx", "--no-install", "tsc", "--noEmit"], project, env).then(
        () => "passed",
        (err: unknown) => String(err),
      );
      assert.match(result, /bad-usage\.ts.*error TS/);
    } finally {
      await rm(bad);
    }
  });

  it("Deno runs the core from the same node_modules", async () => {
    const script = join(project, "deno-core.ts");
    await writeFile(script, DENO_CORE_SCRIPT.replaceAll("__FROM__", ""));
    // Node 24 runs the same script (type stripping: it is outside node_modules) as the reference.
    nodeOutput = JSON.parse(await run(["node", script], project, env)) as CoreOutput;
    assert.equal(nodeOutput.problems, 0);
    assert.ok(nodeOutput.apply.includes("Job"), JSON.stringify(nodeOutput));
    const out = await run([DENO, "run", "--allow-read", "--allow-env", script], project, env);
    assert.deepEqual(JSON.parse(out) as CoreOutput, nodeOutput);
    await run([DENO, "check", script], project, env);
  });

  it("Deno runs the core from the JSR layout (each package's deno.json and published files)", async () => {
    const jsr = join(tmp, "jsr");
    for (const pkg of JSR_PACKAGES) {
      const src = join(REPO_ROOT, "packages", pkg);
      const denoJson = JSON.parse(await readFile(join(src, "deno.json"), "utf8")) as {
        name: string;
        version: string;
      };
      assert.equal(denoJson.name, `@openmcp-ts/${pkg}`);
      assert.equal(denoJson.version, PUBLISHED_VERSION, `${pkg}/deno.json moves with package.json`);
      await mkdir(join(jsr, pkg), { recursive: true });
      await cp(join(src, "deno.json"), join(jsr, pkg, "deno.json"));
      await cp(join(src, "src"), join(jsr, pkg, "src"), {
        recursive: true,
        filter: (f) => !f.endsWith(".test.ts") && !f.includes("testdata"),
      });
    }
    // A workspace resolves jsr:@openmcp-ts/<pkg> to its member, as JSR would resolve the published one.
    await writeFile(join(jsr, "deno.json"), JSON.stringify({ workspace: JSR_PACKAGES.map((p) => `./${p}`) }));
    const script = join(jsr, "main.ts");
    const range = `@^${PUBLISHED_VERSION}`;
    await writeFile(
      script,
      DENO_CORE_SCRIPT.replaceAll("__FROM__", "jsr:").replace(/"(jsr:@openmcp-ts\/[a-z]+)"/g, `"$1${range}"`),
    );
    // --quiet: the first run downloads the core's npm dependencies (yaml, @noble/hashes) and says so.
    const out = await run([DENO, "run", "--quiet", "--allow-read", script], jsr, env);
    assert.ok(nodeOutput, "the node_modules run came first");
    assert.deepEqual(JSON.parse(out) as CoreOutput, nodeOutput);
    await run([DENO, "check", script], jsr, env);
  });
});

/** Renders a ServiceProvider, plans its first reconcile and prints what came out: the core end to end. */
const DENO_CORE_SCRIPT = `
import { API_VERSION, validateProvider, type ServiceProvider } from "__FROM__@openmcp-ts/contract";
import { renderInitObjects, renderRunObjects } from "__FROM__@openmcp-ts/render";
import { planReconcile } from "__FROM__@openmcp-ts/reconciler";

const provider: ServiceProvider = {
  apiVersion: API_VERSION,
  kind: "ServiceProvider",
  metadata: { name: "deno", uid: "u-1", generation: 1 },
  spec: { image: "ghcr.io/example/deno:v1" },
};
const ctx = { environment: "test", namespace: "openmcp-system", webhookSecretPresent: false };
const problems = validateProvider(provider);
const init = renderInitObjects(provider, ctx);
const runObjects = renderRunObjects(provider, ctx);
const plan = planReconcile({
  provider,
  desired: { init, run: runObjects },
  observed: {},
  now: new Date("2026-01-01T00:00:00Z"),
  options: { namespace: "openmcp-system" },
});
console.log(JSON.stringify({ problems: problems.length, job: init.job.metadata.name, apply: plan.apply.map((o) => o.kind) }));
`;

interface CoreOutput {
  problems: number;
  job: string;
  apply: string[];
}
