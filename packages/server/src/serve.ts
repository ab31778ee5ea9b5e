import type { FastifyInstance } from "fastify";
import { buildDashboardApp, keyRingOf } from "./app.js";
import type { CorsOptions } from "./auth/cors.js";
import type { ApiKey } from "./auth/key-ring.js";
import type { OpenSource } from "./source.js";

/** `assay serve` was asked for something it must refuse (a public bind without a token, a bad port). */
export class DashboardConfigError extends Error {
  override readonly name = "DashboardConfigError";
}

export interface ServeOptions {
  readonly open: OpenSource;
  /** Default 127.0.0.1. Any other host needs `keys` or `token`. */
  readonly host?: string;
  /** Default 4680; 0 picks a free port. */
  readonly port?: number;
  /** API keys with their roles (see `DashboardAppOptions.keys`). */
  readonly keys?: readonly ApiKey[];
  /** The dashboard's single token (`ASSAY_DASHBOARD_TOKEN`), served as an `admin` key. */
  readonly token?: string;
  /** Browser origins allowed to call the `evaluate` routes (OFREP). */
  readonly cors?: CorsOptions;
  /** The manifest's folder, where `assay simulate`'s notes are (see `DashboardAppOptions.manifestDir`). */
  readonly manifestDir?: string;
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
 * Starts the server. On a host other than loopback it refuses to start without a key (or token), since
 * the pages show every experiment's results, and the API takes events, from whoever can reach the port.
 * On loopback with no key it runs open.
 */
export async function serveDashboard(options: ServeOptions): Promise<RunningDashboard> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DashboardConfigError(`--port ${port}: a port is an integer from 0 to 65535`);
  }
  const token = options.token === undefined || options.token.trim() === "" ? undefined : options.token.trim();
  const keys = options.keys ?? [];
  if (!isLoopback(host) && keyRingOf({ keys, ...(token === undefined ? {} : { token }) }).size === 0) {
    throw new DashboardConfigError(
      `refusing to listen on ${host} without a token: anyone who reaches it would read every result; ` +
        "pass --keys FILE, set ASSAY_API_KEYS or ASSAY_DASHBOARD_TOKEN, or pass --token-file PATH, or bind 127.0.0.1",
    );
  }
  const app = await buildDashboardApp({
    open: options.open,
    keys,
    ...(token === undefined ? {} : { token }),
    ...(options.cors === undefined ? {} : { cors: options.cors }),
    ...(options.manifestDir === undefined ? {} : { manifestDir: options.manifestDir }),
  });
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  const shown = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return { url: `http://${shown}:${bound}/`, app, close: () => app.close() };
}
