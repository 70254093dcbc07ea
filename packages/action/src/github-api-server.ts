import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** For tests: a loopback stand-in for the GitHub REST API the action calls through GITHUB_API_URL. */
export interface GithubCall {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A loopback server speaking the GitHub REST routes the action uses (create a deployment, add a
 * deployment status), recording each call; `refuse` answers every call with 403 as GitHub does for a
 * token without deployments permission.
 */
export async function startGithubApi(
  refuse = false,
): Promise<{ url: string; calls: GithubCall[]; close(): void }> {
  const calls: GithubCall[] = [];
  let nextStatus = 1;
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (d: Buffer) => (text += d.toString()));
    req.on("end", () => {
      const call: GithubCall = {
        method: req.method ?? "",
        path: req.url ?? "",
        authorization: req.headers.authorization,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
      calls.push(call);
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      if (refuse) return send(403, { message: "Resource not accessible by integration" });
      if (call.method === "POST" && /^\/repos\/[^/]+\/[^/]+\/deployments$/.test(call.path))
        return send(201, { id: 17, ref: call.body.ref, environment: call.body.environment });
      if (call.method === "POST" && /^\/repos\/[^/]+\/[^/]+\/deployments\/17\/statuses$/.test(call.path))
        return send(201, { id: nextStatus++, state: call.body.state });
      send(404, { message: "Not Found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls, close: () => void server.close() };
}
