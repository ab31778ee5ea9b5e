import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventStore } from "@assay/core";
import type { BatchingOptions } from "@assay/pipeline";
import { createAssay } from "@assay/runtime";
import type { FastifyInstance } from "fastify";
import {
  type ApiKey,
  buildDashboardApp,
  type DashboardReport,
  type DashboardSource,
} from "../../src/index.js";
import type { HttpApiOptions } from "../../src/routes/http-api.js";

/** Two experiments, each with a control and a treatment. */
export const INGEST_MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [
  { id = "control", weight = 50, is_control = true },
  { id = "treatment", weight = 50 },
]

[[plugins.experiments]]
id = "search"
variants = [
  { id = "control", weight = 50, is_control = true },
  { id = "fuzzy", weight = 50 },
]
`;

/** A folder holding the manifest; its default store is `.assay/events.db` beside it. */
export function manifestDir(): { dir: string; manifest: string } {
  const dir = mkdtempSync(join(tmpdir(), "assay-ingest-"));
  const manifest = join(dir, "assay.toml");
  writeFileSync(manifest, INGEST_MANIFEST);
  return { dir, manifest };
}

export interface IngestServer {
  readonly app: FastifyInstance;
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly assay: Awaited<ReturnType<typeof createAssay>>;
  readonly manifest: string;
  close(): Promise<void>;
}

export interface IngestServerOptions {
  readonly store?: EventStore;
  readonly pipeline?: BatchingOptions;
  readonly api?: HttpApiOptions;
  readonly keys?: readonly ApiKey[];
  readonly manifest?: string;
}

/** The app over a runtime (SQLite by default), listening on a free loopback port. */
export async function ingestServer(options: IngestServerOptions = {}): Promise<IngestServer> {
  const manifest = options.manifest ?? manifestDir().manifest;
  const assay = await createAssay({
    manifest,
    handleSignals: false,
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.pipeline === undefined ? {} : { pipeline: options.pipeline }),
  });
  const source: DashboardSource = {
    storeName: assay.store.name,
    experiments: () => assay.experiments(),
    summarize: (id, o) => assay.summarize(id, o),
    report: () => ({}) as DashboardReport,
    events: assay.store,
    pipelineStats: () => assay.pipelineStats,
    close: () => assay.close(),
  };
  const app = await buildDashboardApp({
    open: async () => source,
    ...(options.keys === undefined ? {} : { keys: options.keys }),
    ...(options.api === undefined ? {} : { api: options.api }),
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, assay, manifest, close: () => app.close() };
}

/** POSTs JSON (or a raw string) and returns the status, headers and parsed body. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
