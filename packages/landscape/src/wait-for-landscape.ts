import { type Provider } from "@openmcp-ts/contract";
import { eventually } from "@openmcp-ts/testenv";
import { landscapeProviders, type Landscape } from "./start-landscape.ts";

const isReady = (p: Provider | undefined): boolean =>
  p?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/**
 * Waits until every provider of landscapeProviders() is Ready, in order, reporting each with the
 * milliseconds it took; on timeout the error carries the provider's status and where the pods log.
 */
export async function waitForLandscapeReady(
  l: Pick<Landscape, "platformClient" | "dir">,
  timeoutMs = 300_000,
  onReady: (what: string, ms: number) => void = () => undefined,
): Promise<void> {
  for (const p of landscapeProviders()) {
    const ref = { apiVersion: p.apiVersion, kind: p.kind, name: p.metadata.name ?? "" };
    const started = Date.now();
    try {
      await eventually(
        `${p.kind} ${ref.name} Ready`,
        async () => isReady(await l.platformClient.find<Provider>(ref)),
        timeoutMs,
        100,
      );
    } catch (err) {
      const status = JSON.stringify(
        (await l.platformClient.find<Provider>(ref).catch(() => undefined))?.status,
      );
      throw new Error(`${(err as Error).message}\nstatus: ${status}\npod logs in ${l.dir}/pods`, {
        cause: err,
      });
    }
    onReady(`${p.kind} ${ref.name} Ready`, Date.now() - started);
  }
}
