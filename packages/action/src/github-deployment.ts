import { getOctokit } from "@actions/github";
import type { Env } from "./runner-io.ts";

/** The states this action reports; GitHub also knows queued, pending, error and inactive. */
export type DeploymentState = "in_progress" | "success" | "failure";

export interface GithubDeployment {
  id: number;
  /** Adds a status; a failure to do so is returned as a message, never thrown (the rollout matters more). */
  report(state: DeploymentState, description: string): Promise<string | undefined>;
}

export interface StartDeploymentOptions {
  token: string;
  env: Env;
  environment: string;
  /** What is released, e.g. `ghcr.io/acme/foo:v1.2.0`; stored in the Deployment's payload. */
  image: string;
  /** `ServiceProvider "foo"` etc., for descriptions. */
  label: string;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** GitHub caps deployment status descriptions at 140 characters. */
function shorten(text: string): string {
  return text.length <= 140 ? text : `${text.slice(0, 139)}…`;
}

/**
 * Creates a GitHub Deployment of the released commit for `environment` through the REST API at
 * GITHUB_API_URL, marked `in_progress` with a link to the run. Returns the deployment, or a message
 * saying what failed: the rollout goes on either way.
 */
export async function startGithubDeployment(
  options: StartDeploymentOptions,
): Promise<GithubDeployment | { error: string }> {
  const { env } = options;
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? "").split("/");
  const ref = env.GITHUB_SHA || env.GITHUB_REF;
  if (!owner || !repo || !ref)
    return { error: "cannot create a GitHub Deployment: GITHUB_REPOSITORY or GITHUB_SHA is not set" };
  const octokit = getOctokit(options.token, {
    baseUrl: env.GITHUB_API_URL || "https://api.github.com",
    request: { retries: 0 },
  });
  const server = env.GITHUB_SERVER_URL || "https://github.com";
  const logUrl = env.GITHUB_RUN_ID
    ? `${server}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}`
    : undefined;
  let id: number;
  try {
    const created = await octokit.rest.repos.createDeployment({
      owner,
      repo,
      ref,
      environment: options.environment,
      description: shorten(`${options.label}: ${options.image}`),
      // The image is built and pushed already: no commit status checks, no merging of the base branch.
      required_contexts: [],
      auto_merge: false,
      payload: { image: options.image },
    });
    if (!("id" in created.data))
      return {
        error: `cannot create a GitHub Deployment for ${ref}: ${created.data.message ?? "no id returned"}`,
      };
    id = created.data.id;
  } catch (err) {
    return {
      error: `cannot create a GitHub Deployment of ${ref} to ${JSON.stringify(options.environment)} in ${owner}/${repo}: ${messageOf(err)}`,
    };
  }
  const deployment: GithubDeployment = {
    id,
    async report(state, description) {
      try {
        await octokit.rest.repos.createDeploymentStatus({
          owner,
          repo,
          deployment_id: id,
          state,
          description: shorten(description),
          environment: options.environment,
          ...(logUrl ? { log_url: logUrl } : {}),
          auto_inactive: state === "success",
        });
        return undefined;
      } catch (err) {
        return `cannot set GitHub Deployment ${id} to ${state}: ${messageOf(err)}`;
      }
    },
  };
  return deployment;
}
