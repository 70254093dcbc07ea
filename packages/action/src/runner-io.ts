import { appendFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { EOL } from "node:os";

/** The process environment as the runner sets it; a parameter so that tests and `run` stay explicit. */
export type Env = Record<string, string | undefined>;

/** `INPUT_<NAME>` as the runner sets it: upper case, spaces to `_`, dashes kept (as @actions/core reads it). */
export function getInput(env: Env, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

/** Appends `name<<DELIM` blocks to a runner file ($GITHUB_OUTPUT, $GITHUB_STATE). */
function appendKeyValue(file: string | undefined, name: string, value: string, fallback: string): void {
  if (!file) {
    process.stdout.write(`${EOL}::${fallback} name=${name}::${value}${EOL}`);
    return;
  }
  const delimiter = `ghadelimiter_${randomUUID()}`;
  appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, "utf8");
}

export function setOutput(env: Env, name: string, value: string): void {
  appendKeyValue(env.GITHUB_OUTPUT, name, value, "set-output");
}

/** Saved for the post step, which reads it back as `STATE_<name>`. */
export function saveState(env: Env, name: string, value: string): void {
  appendKeyValue(env.GITHUB_STATE, name, value, "save-state");
}

export function appendSummary(env: Env, markdown: string): void {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, markdown, "utf8");
}

/** Workflow commands escape `%`, CR and LF in data, and also `:` and `,` in properties. */
function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export function mask(value: string): void {
  if (value) process.stdout.write(`::add-mask::${escapeData(value)}${EOL}`);
}

export function error(message: string, title?: string): void {
  const props = title ? ` title=${escapeProperty(title)}` : "";
  process.stdout.write(`::error${props}::${escapeData(message)}${EOL}`);
}

export function warning(message: string): void {
  process.stdout.write(`::warning::${escapeData(message)}${EOL}`);
}

export function info(message: string): void {
  process.stdout.write(`${message}${EOL}`);
}
