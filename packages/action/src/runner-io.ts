import * as core from "@actions/core";

/** The process environment as the runner sets it; a parameter so that input parsing stays pure. */
export type Env = Record<string, string | undefined>;

/**
 * `INPUT_<NAME>` as the runner sets it (upper case, spaces to `_`, dashes kept), read from the given
 * environment with the same rules as @actions/core's getInput, which only reads process.env.
 */
export function getInput(env: Env, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

/** Runner I/O through the Actions toolkit: $GITHUB_OUTPUT, $GITHUB_STATE, $GITHUB_STEP_SUMMARY, workflow commands. */
export const setOutput = (name: string, value: string): void => core.setOutput(name, value);

/** Saved for the post step, which reads it back as STATE_<name>. */
export const saveState = (name: string, value: string): void => core.saveState(name, value);

export async function appendSummary(markdown: string): Promise<void> {
  // Outside a runner (no summary file) the summary is skipped rather than an error.
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(markdown).write();
  } catch (err) {
    warning(`cannot write the job summary: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export const mask = (value: string): void => {
  if (value) core.setSecret(value);
};

export const error = (message: string, title?: string): void => core.error(message, title ? { title } : {});

export const warning = (message: string, title?: string): void =>
  core.warning(message, title ? { title } : {});

export const info = (message: string): void => core.info(message);

/** A collapsed `::group::` in the log. */
export const startGroup = (title: string): void => core.startGroup(title);

export const endGroup = (): void => core.endGroup();
