import { API_VERSION, FIELD_MANAGER_ACTION, type Provider } from "@openmcp-ts/contract";
import { KubeClient } from "@openmcp-ts/kube";
import { buildProvider } from "./build-provider.ts";
import { startGithubDeployment, type DeploymentState } from "./github-deployment.ts";
import { describeRuntimeConfig } from "./describe-runtime-config.ts";
import { diffValues } from "./diff-values.ts";
import { STATE_KUBECONFIG_PATH, removeKubeconfig, writeKubeconfig } from "./kubeconfig-file.ts";
import { decodeKubeconfig, kubeconfigSecrets } from "./kubeconfig-text.ts";
import { parseInputs, type ActionInputs } from "./parse-inputs.ts";
import { renderSummary } from "./render-summary.ts";
import { failedPodLogs, renderPodLogs, type FailedPodLogs } from "./failed-pod-logs.ts";
import {
  appendSummary,
  endGroup,
  error,
  info,
  mask,
  saveState,
  setOutput,
  startGroup,
  warning,
  type Env,
} from "./runner-io.ts";
import {
  conditionMessages,
  describeState,
  findCondition,
  judgeProvider,
  waitForProvider,
} from "./wait-for-provider.ts";

/** What one mode found out; `run` turns it into outputs, a summary and the exit code. */
interface ModeResult {
  ok: boolean;
  /** Why the step failed, or what happened when it passed. */
  message: string;
  provider: Provider | undefined;
  previousImage: string;
  details?: string;
  /** The GitHub Deployment that tracked this rollout, when a token was given. */
  githubDeploymentId?: number;
  /** A failed rollout: the last log lines of the provider's failed pods. */
  podLogs?: FailedPodLogs;
}

interface Context {
  env: Env;
  inputs: ActionInputs;
  client: KubeClient;
  provider: Provider;
  label: string;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function readProvider(ctx: Context): Promise<Provider | undefined> {
  try {
    return await ctx.client.find<Provider>({
      apiVersion: API_VERSION,
      kind: ctx.inputs.kind,
      name: ctx.provider.metadata.name!,
    });
  } catch (err) {
    throw new Error(`cannot read ${ctx.label} from ${ctx.client.server}: ${messageOf(err)}`, { cause: err });
  }
}

async function applyProvider(ctx: Context, dryRun: boolean): Promise<Provider> {
  try {
    return await ctx.client.apply<Provider>(ctx.provider, FIELD_MANAGER_ACTION, { force: true, dryRun });
  } catch (err) {
    throw new Error(
      `cannot ${dryRun ? "dry-run apply" : "apply"} ${ctx.label} to ${ctx.client.server}: ${messageOf(err)}`,
      { cause: err },
    );
  }
}

/** deploy, tracked as a GitHub Deployment when a token is given; the rollout does not depend on it. */
async function deploy(ctx: Context): Promise<ModeResult> {
  const { inputs } = ctx;
  if (!inputs.token) return rollOut(ctx);
  const started = await startGithubDeployment({
    token: inputs.token,
    env: ctx.env,
    environment: inputs.environment,
    image: inputs.image,
    label: ctx.label,
  });
  if ("error" in started) {
    warning(started.error, "GitHub Deployment not recorded");
    return rollOut(ctx);
  }
  const report = async (state: DeploymentState, description: string): Promise<void> => {
    const failed = await started.report(state, description);
    if (failed) warning(failed, "GitHub Deployment status not recorded");
  };
  info(`GitHub Deployment ${started.id} to ${JSON.stringify(inputs.environment)} created`);
  await report("in_progress", `Rolling out ${inputs.image}`);
  let result: ModeResult;
  try {
    result = await rollOut(ctx);
  } catch (err) {
    await report("failure", messageOf(err));
    throw err;
  }
  await report(result.ok ? "success" : "failure", result.message);
  return { ...result, githubDeploymentId: started.id };
}

async function rollOut(ctx: Context): Promise<ModeResult> {
  const { inputs } = ctx;
  const before = await readProvider(ctx);
  const previousImage = before?.spec.image ?? "";
  info(
    `Deploying ${inputs.image} as ${ctx.label} on ${ctx.client.server} (previous image: ${previousImage || "none"})`,
  );
  const applied = await applyProvider(ctx, false);
  const generation = applied.metadata.generation ?? 0;
  info(`Applied ${ctx.label} at generation ${generation} (field manager ${FIELD_MANAGER_ACTION})`);
  if (!inputs.wait) {
    return {
      ok: true,
      message: "Applied; not waiting for the rollout (wait: false).",
      provider: applied,
      previousImage,
    };
  }
  const started = Date.now();
  const { verdict, provider, why } = await waitForProvider({
    get: () => readProvider(ctx),
    generation,
    timeoutMs: inputs.timeoutMs,
    policy: { failFast: inputs.failFast, imagePullGraceMs: inputs.imagePullGraceMs },
    onReadError: (err) => warning(`reading ${ctx.label} failed, retrying: ${messageOf(err)}`),
    onChange: (p) =>
      info(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${ctx.label}: ${describeState(p)}`),
    onFailure: (f) => warning(f.text, `${ctx.label}: ${f.kind}`),
  });
  if (verdict === "ready")
    return { ok: true, message: `${inputs.image} is initialized and Ready.`, provider, previousImage };
  const podLogs = await showPodLogs(ctx);
  if (verdict === "failed")
    return {
      ok: false,
      message: `${ctx.label} failed to roll out ${inputs.image}: ${conditionMessages(provider)} (${why ?? "failed"})`,
      provider,
      previousImage,
      podLogs,
    };
  const observed = provider?.status?.observedGeneration ?? 0;
  const stillWhy =
    observed < generation
      ? `the operator has not observed generation ${generation} yet (observed ${observed}); is it running and watching ${inputs.kind}?`
      : conditionMessages(provider);
  return {
    ok: false,
    message: `timed out after ${Math.round(inputs.timeoutMs / 1000)}s waiting for ${ctx.label} to become Ready with ${inputs.image}: ${stillWhy}`,
    provider,
    previousImage,
    podLogs,
  };
}

/** Prints the failed pods' last log lines in a collapsed group; the summary gets them too. */
async function showPodLogs(ctx: Context): Promise<FailedPodLogs> {
  const logs = await failedPodLogs(ctx.client, ctx.inputs.kind, ctx.provider.metadata.name!);
  startGroup(`Logs of ${ctx.label}'s failed pods (${logs.pods.length})`);
  if (logs.note) info(logs.note);
  if (logs.pods.length === 0 && !logs.note) info("No failed pod of this provider was found.");
  for (const p of logs.pods) {
    info(`--- ${p.phase} pod ${p.namespace}/${p.pod}, container ${p.container}: ${p.why} ---`);
    info("lines" in p.log ? p.log.lines : `(no log: ${p.log.unavailable})`);
  }
  endGroup();
  return logs;
}

async function verify(ctx: Context): Promise<ModeResult> {
  const { inputs } = ctx;
  const p = await readProvider(ctx);
  if (!p)
    return {
      ok: false,
      message: `${ctx.label} does not exist on ${ctx.client.server}, so it cannot run ${inputs.image}`,
      provider: undefined,
      previousImage: "",
    };
  const problems: string[] = [];
  if (p.spec.image !== inputs.image)
    problems.push(
      `it runs ${JSON.stringify(p.spec.image)}, not the released image ${JSON.stringify(inputs.image)}`,
    );
  const generation = p.metadata.generation ?? 0;
  const observed = p.status?.observedGeneration ?? 0;
  if (observed !== generation)
    problems.push(`status.observedGeneration ${observed} is not the current generation ${generation}`);
  const ready = findCondition(p, "Ready");
  if (ready?.status !== "True")
    problems.push(
      ready ? `Ready=${ready.status}/${ready.reason}: ${ready.message}` : "it has no Ready condition yet",
    );
  return problems.length === 0
    ? {
        ok: true,
        message: `${ctx.label} runs ${inputs.image} and is Ready.`,
        provider: p,
        previousImage: p.spec.image,
      }
    : {
        ok: false,
        message: `${ctx.label} is not the verified release: ${problems.join("; ")}`,
        provider: p,
        previousImage: p.spec.image,
      };
}

async function plan(ctx: Context): Promise<ModeResult> {
  const before = await readProvider(ctx);
  const after = await applyProvider(ctx, true);
  const lines = diffValues(before?.spec, after.spec, "spec");
  const what = !before ? "would be created" : lines.length === 0 ? "would not change" : "would change";
  info(`Plan: ${ctx.label} ${what} (server-side dry run)`);
  for (const line of lines) info(`  ${line}`);
  const runtime = await describeRuntimeConfig(ctx.client, after);
  info(runtime.line);
  if (runtime.yaml !== undefined) info(runtime.yaml.trimEnd().replace(/^/gm, "  "));
  const details = [
    ...(lines.length > 0 ? [`\`\`\`diff\n${lines.join("\n")}\n\`\`\``] : []),
    runtime.line,
    ...(runtime.yaml !== undefined ? [`\`\`\`yaml\n${runtime.yaml}\`\`\``] : []),
  ];
  return {
    ok: true,
    message: `Plan (server-side dry run, nothing written): ${ctx.label} ${what}.`,
    provider: before,
    previousImage: before?.spec.image ?? "",
    details: details.join("\n\n"),
  };
}

const MODE_FUNCTIONS = { deploy, verify, plan } as const;

/** The whole action: inputs → one mode → outputs, summary; returns the exit code. */
export async function run(env: Env): Promise<number> {
  const started = Date.now();
  let kubeconfigPath = "";
  let stage = "read the inputs";
  try {
    const inputs = parseInputs(env);
    mask(inputs.token);
    stage = `prepare ${inputs.kind}`;
    const provider = buildProvider({
      kind: inputs.kind,
      name: inputs.name,
      image: inputs.image,
      manifest: inputs.manifest,
      env,
    });
    const label = `${inputs.kind} "${provider.metadata.name!}"`;
    stage = `${inputs.mode} ${label}`;

    let kubeconfig: string;
    if (inputs.kubeconfig) {
      const text = decodeKubeconfig(inputs.kubeconfig);
      for (const secret of kubeconfigSecrets(inputs.kubeconfig, text)) mask(secret);
      kubeconfigPath = writeKubeconfig(text, env.RUNNER_TEMP);
      saveState(STATE_KUBECONFIG_PATH, kubeconfigPath);
      kubeconfig = kubeconfigPath;
    } else if (env.KUBECONFIG) {
      kubeconfig = env.KUBECONFIG;
    } else {
      throw new Error(
        'input "kubeconfig" is empty and KUBECONFIG is not set: the action needs cluster credentials',
      );
    }
    const client = KubeClient.create({
      kubeconfig,
      ...(inputs.context ? { context: inputs.context } : {}),
      timeoutMs: 30_000,
    });

    const result = await MODE_FUNCTIONS[inputs.mode]({ env, inputs, client, provider, label });
    const p = result.provider;
    const generation = p?.metadata.generation;
    setOutput("image", inputs.image);
    setOutput("previous-image", result.previousImage);
    setOutput("phase", p?.status?.phase ?? "");
    setOutput(
      "ready",
      String(p !== undefined && generation !== undefined && judgeProvider(p, generation) === "ready"),
    );
    setOutput("generation", generation === undefined ? "" : String(generation));
    setOutput(
      "github-deployment-id",
      result.githubDeploymentId === undefined ? "" : String(result.githubDeploymentId),
    );
    setOutput("duration-seconds", String(Math.round((Date.now() - started) / 1000)));
    await appendSummary(
      renderSummary({
        title: `openMCP ${inputs.mode}`,
        outcome: result.ok ? `✅ ${result.message}` : `❌ ${result.message}`,
        kind: inputs.kind,
        name: provider.metadata.name!,
        image: inputs.image,
        previousImage: result.previousImage,
        provider: p,
        ...(result.details || result.podLogs
          ? {
              details: [result.details, result.podLogs && renderPodLogs(result.podLogs)]
                .filter(Boolean)
                .join("\n"),
            }
          : {}),
      }),
    );
    if (!result.ok) {
      error(result.message, `openMCP ${inputs.mode} failed`);
      return 1;
    }
    info(result.message);
    return 0;
  } catch (err) {
    error(`cannot ${stage}: ${messageOf(err)}`, "openMCP deploy action failed");
    await appendSummary(`### openMCP deploy action failed\n\n❌ cannot ${stage}: ${messageOf(err)}\n`);
    return 1;
  } finally {
    if (kubeconfigPath) removeKubeconfig(kubeconfigPath);
  }
}
