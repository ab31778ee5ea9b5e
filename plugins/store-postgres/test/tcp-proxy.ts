import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of the PostgreSQL server that a test can take down (every connection reset, new ones
 * dropped at once) and bring back, as a server restart looks from the client.
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private up = true;
  private silent = false;

  private constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {
    this.server = createServer((client) => {
      if (!this.up) {
        client.destroy();
        return;
      }
      const upstream = createConnection({ host: targetHost, port: targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      // Bytes are dropped while silent: a half-open connection, whose peer never answers and never closes.
      client.on("data", (chunk) => this.silent || upstream.write(chunk));
      upstream.on("data", (chunk) => this.silent || client.write(chunk));
    });
  }

  static async start(url: string): Promise<TcpProxy> {
    const target = new URL(url);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  /** The connection URL through the proxy. */
  url(original: string): string {
    const u = new URL(original);
    u.hostname = "127.0.0.1";
    u.port = String((this.server.address() as { port: number }).port);
    return u.toString();
  }

  down(): void {
    this.up = false;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.up = true;
    this.silent = false;
  }

  /** Every connection, open or new, stays open but carries nothing (a peer gone without a FIN or RST). */
  silence(): void {
    this.silent = true;
  }

  async close(): Promise<void> {
    this.down();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
