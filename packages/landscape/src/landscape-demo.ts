import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { API_VERSION, type Provider } from "@openmcp-ts/contract";
import { Informer } from "@openmcp-ts/kube";
import { LANDSCAPE_NAMESPACE, startLandscape, type Landscape } from "./start-landscape.ts";

const READY_TIMEOUT_MS = 300_000;

function conditionsLine(p: Provider & { metadata: { name?: string } }): string {
  const conds = (p.status?.conditions ?? [])
    .map((c) => `${c.type}=${c.status}${c.reason ? `/${c.reason}` : ""}`)
    .join(" ");
  return `${p.kind}/${p.metadata.name}: phase=${p.status?.phase ?? "-"} ${conds}`;
}

/**
 * `npm start`: the landscape, the providers' progress live, what runs where, and both kubeconfigs
 * under `<cwd>/.tmp/`. Resolves with a stop function once both providers are Ready.
 */
export async function runLandscapeDemo(say: (line: string) => void): Promise<() => Promise<void>> {
  const started = Date.now();
  say("starting the landscape: platform cluster (full) + onboarding cluster (apiserver)…");
  const l: Landscape = await startLandscape({ progress: say });
  const watches: Informer<Provider>[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(watches.map((w) => w.stop()));
    await l.stop();
  };
  try {
    const tmp = join(process.cwd(), ".tmp");
    await mkdir(tmp, { recursive: true });
    await copyFile(join(l.dir, "platform.kubeconfig"), join(tmp, "platform.kubeconfig"));
    await copyFile(join(l.dir, "onboarding.kubeconfig"), join(tmp, "onboarding.kubeconfig"));
    const ready = new Set<string>();
    let allReady: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allReady = resolve));
    for (const kind of ["ClusterProvider", "ServiceProvider"] as const) {
      let last = "";
      const w = new Informer<Provider>(
        l.platformClient,
        { apiVersion: API_VERSION, kind },
        {
          onEvent: (_t, p) => {
            const line = conditionsLine(p);
            if (line !== last) say(line);
            last = line;
            if (p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) ready.add(kind);
            if (ready.size === 2) allReady();
          },
        },
      );
      await w.start();
      watches.push(w);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `the providers are not Ready after ${READY_TIMEOUT_MS / 1000} s; pod logs in ${join(l.dir, "pods")}`,
              ),
            ),
          READY_TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    say(`landscape ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.stdout.write(`${l.describe()}
Try it (kubectl: pnpm -s testenv env):
  export KUBECONFIG=${join(tmp, "onboarding.kubeconfig")}
  kubectl apply -f - <<EOF
  {"apiVersion":"example.services.openmcp.cloud/v1alpha1","kind":"Example","metadata":{"name":"hello","namespace":"default"},"spec":{"data":{"greeting":"hello"}}}
  EOF
  kubectl get configmaps -n default                       # the example's run made one for it
  KUBECONFIG=${join(tmp, "platform.kubeconfig")} kubectl get clusters,clusterrequests,accessrequests -n ${LANDSCAPE_NAMESPACE}
Press Ctrl-C to stop everything.
`);
    return stop;
  } catch (err) {
    await stop();
    throw err;
  }
}
