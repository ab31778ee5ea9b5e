import type { FastifyInstance } from "fastify";
import { buildDashboardApp } from "./app.js";
import type { OpenSource } from "./source.js";

/** `assay serve` was asked for something it must refuse (a public bind without a token, a bad port). */
export class DashboardConfigError extends Error {
  override readonly name = "DashboardConfigError";
}

export interface ServeOptions {
  readonly open: OpenSource;
  /** Default 127.0.0.1. Any other host needs `token`. */
  readonly host?: string;
  /** Default 4680; 0 picks a free port. */
  readonly port?: number;
  readonly token?: string;
}

export interface RunningDashboard {
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 4680;

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost", "[::1]"]);

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Starts the dashboard. On a host other than loopback it refuses to start without a token, since the
 * pages show every experiment's results to whoever can reach the port.
 */
export async function serveDashboard(options: ServeOptions): Promise<RunningDashboard> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DashboardConfigError(`--port ${port}: a port is an integer from 0 to 65535`);
  }
  const token = options.token === undefined || options.token.trim() === "" ? undefined : options.token.trim();
  if (!isLoopback(host) && token === undefined) {
    throw new DashboardConfigError(
      `refusing to listen on ${host} without a token: anyone who reaches it would read every result; ` +
        "set ASSAY_DASHBOARD_TOKEN or pass --token-file PATH, or bind 127.0.0.1",
    );
  }
  const app = await buildDashboardApp({ open: options.open, ...(token === undefined ? {} : { token }) });
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  const shown = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return { url: `http://${shown}:${bound}/`, app, close: () => app.close() };
}
