import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

/** Parses `:8080`, `127.0.0.1:8080` or `0` (disabled) as in controller-runtime's bind-address flags. */
export function parseBindAddress(value: string, flag: string): { host: string; port: number } | undefined {
  if (value === "0" || value === "") return undefined;
  const m = /^(.*):(\d+)$/.exec(value);
  if (!m || Number(m[2]) > 65535)
    throw new Error(`invalid value "${value}" for ${flag}: want [host]:port or 0 to disable`);
  return { host: m[1] || "0.0.0.0", port: Number(m[2]) };
}

interface Route {
  status: number;
  body: string;
  type?: string;
}

export async function serveHttp(
  bind: { host: string; port: number },
  routes: Record<string, () => Route | Promise<Route>>,
): Promise<Server> {
  const server = createServer((req, res) => {
    const route = routes[(req.url ?? "/").split("?")[0]!];
    if (!route) {
      res.writeHead(404).end("not found\n");
      return;
    }
    Promise.resolve(route()).then(
      (r) => res.writeHead(r.status, { "content-type": r.type ?? "text/plain; charset=utf-8" }).end(r.body),
      (err: unknown) => res.writeHead(500).end(`cannot serve ${req.url}: ${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) =>
      reject(new Error(`cannot listen on ${bind.host}:${bind.port}: ${err.message}`, { cause: err })),
    );
    server.listen(bind.port, bind.host, resolve);
  });
  return server;
}

export function metricsRoute(registry: Registry): Record<string, () => Promise<Route>> {
  return {
    "/metrics": async () => ({ status: 200, body: await registry.metrics(), type: registry.contentType }),
  };
}
