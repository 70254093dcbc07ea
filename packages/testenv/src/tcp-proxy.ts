import { createServer, connect, type Socket } from "node:net";

/**
 * A loopback TCP proxy in front of a real server (the kube-apiserver), for fault injection: tests
 * point a client at it and then cut, stall, delay or refuse its connections. TLS passes through
 * untouched, so the client still talks to the real apiserver.
 */
export interface TcpProxy {
  /** Loopback port that clients connect to. */
  port: number;
  /** `https://127.0.0.1:<port>`, for a kubeconfig's `server`. */
  url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections open right now. */
  readonly open: number;
  /** Called at every accepted connection, with `Date.now()`. */
  onConnection?: (at: number) => void;
  /** Destroys every open connection on both sides, as a dropped network path does. */
  cutAll(): void;
  /** Stops forwarding bytes in both directions (connections stay open and silent) until resume(). */
  pause(): void;
  resume(): void;
  /** Holds each forwarded chunk this long (0 = none). */
  setDelay(ms: number): void;
  /** While true, new connections are closed at once (connection refused-like). */
  setRefusing(refusing: boolean): void;
  /**
   * The next bytes a client sends on one of the connections open now are dropped and that
   * connection closed, unanswered: the race of a server closing an idle keep-alive connection just
   * as the client reuses it. Connections opened later are left alone.
   */
  closeOnNextReuse(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const host = target.host ?? "127.0.0.1";
  const pairs = new Set<[Socket, Socket]>();
  let paused = false;
  let delayMs = 0;
  let refusing = false;
  let accepted = 0;
  /** Client sockets whose next bytes close them (closeOnNextReuse). */
  const armed = new Set<Socket>();

  const forward = (from: Socket, to: Socket): void => {
    from.on("data", (chunk: Buffer) => {
      if (armed.has(from)) {
        armed.clear();
        from.destroy();
        to.destroy();
        return;
      }
      if (delayMs === 0) {
        to.write(chunk);
        return;
      }
      // Order is kept: every chunk waits the same time, and timers fire in order.
      from.pause();
      setTimeout(() => {
        to.write(chunk);
        if (!paused) from.resume();
      }, delayMs);
    });
  };

  const server = createServer((client) => {
    accepted++;
    proxy.onConnection?.(Date.now());
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect({ host, port: target.port });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    if (paused) {
      client.pause();
      upstream.pause();
    }
    forward(client, upstream);
    forward(upstream, client);
    const teardown = (): void => {
      pairs.delete(pair);
      armed.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", teardown).on("error", teardown);
    upstream.on("close", teardown).on("error", teardown);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("cannot start the TCP proxy: no address");

  const proxy: TcpProxy = {
    port: address.port,
    url: `https://127.0.0.1:${address.port}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    cutAll() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    pause() {
      paused = true;
      for (const [a, b] of pairs) {
        a.pause();
        b.pause();
      }
    },
    resume() {
      paused = false;
      for (const [a, b] of pairs) {
        a.resume();
        b.resume();
      }
    },
    setDelay(ms) {
      delayMs = ms;
    },
    setRefusing(value) {
      refusing = value;
    },
    closeOnNextReuse() {
      for (const [client] of pairs) armed.add(client);
    },
    async close() {
      proxy.cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}

/** The kubeconfig with its cluster's server pointed at the proxy (same credentials and CA). */
export function kubeconfigThrough(kubeconfigYaml: string, proxy: Pick<TcpProxy, "url">): string {
  const replaced = kubeconfigYaml.replace(/server: https:\/\/127\.0\.0\.1:\d+/g, `server: ${proxy.url}`);
  if (replaced === kubeconfigYaml)
    throw new Error("cannot route the kubeconfig through the proxy: no loopback https server in it");
  return replaced;
}
