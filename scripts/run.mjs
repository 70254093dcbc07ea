#!/usr/bin/env node
// Bootstrap behind `npm start` and `npm test`: works on a fresh machine that has only Node and npm.
// It gets the pinned pnpm (through npx when none is installed), installs the workspace from the
// lockfile when node_modules is missing or older than the lockfile, then runs the pnpm script given
// as the first argument. Scripts then run on the Node 24 the workspace pins (the `node` package).
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const script = process.argv[2];
if (!script) {
  console.error("usage: node scripts/run.mjs <pnpm-script> [args...]");
  process.exit(2);
}
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager; // "pnpm@10.x.y"
const pinnedVersion = pinned.split("@")[1];

function pnpmCommand() {
  const probe = spawnSync("pnpm", ["--version"], { encoding: "utf8" });
  if (probe.status === 0 && probe.stdout.trim() === pinnedVersion) return ["pnpm"];
  return ["npx", "--yes", pinned];
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function run(cmd, args) {
  const res = spawnSync(cmd[0], [...cmd.slice(1), ...args], { cwd: root, stdio: "inherit" });
  if (res.error) {
    console.error(`cannot run ${cmd.join(" ")}: ${res.error.message}`);
    process.exit(1);
  }
  if (res.status !== 0) process.exit(res.status ?? 1);
}

const pnpm = pnpmCommand();
const installedAt = mtime(join(root, "node_modules", ".modules.yaml"));
if (installedAt === 0 || installedAt < mtime(join(root, "pnpm-lock.yaml"))) {
  console.error(`> installing the workspace with ${pnpm.join(" ")} install --frozen-lockfile`);
  run(pnpm, ["install", "--frozen-lockfile"]);
}
run(pnpm, ["run", script, ...process.argv.slice(3)]);
