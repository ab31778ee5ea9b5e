import { mkdtempSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Assay, createAssay } from "@assay/runtime";
import type { DashboardReport, DashboardSource, EvaluationSource, OpenSource } from "../../src/index.js";

/** Experiments and flags of every kind OFREP serves: values of each type, units, traffic, targeting, off. */
export const OFREP_MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [
  { id = "control", weight = 4000, is_control = true },
  { id = "treatment-a", weight = 3000, value = "streamlined-checkout" },
  { id = "treatment-b", weight = 3000, value = "one-page" },
]

[[plugins.experiments]]
id = "layout"
traffic = 0.5
variants = [
  { id = "control", weight = 50, is_control = true, value = { columns = 1, hero = true } },
  { id = "grid", weight = 50, value = { columns = 3, hero = false } },
]

[[plugins.experiments]]
id = "price"
variants = [
  { id = "control", weight = 1, is_control = true, value = 9.99 },
  { id = "cheaper", weight = 1, value = 7.99 },
]

[[plugins.experiments]]
id = "banner"
variants = [
  { id = "control", weight = 1, is_control = true, value = false },
  { id = "shown", weight = 1, value = true },
]

[[plugins.experiments]]
id = "by_session"
unit = "session"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "t", weight = 1 }]

[[plugins.experiments]]
id = "targeted"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "t", weight = 1 }]
targeting = { include = ["plan == pro"] }

[[plugins.experiments]]
id = "switched_off"
enabled = false
variants = [{ id = "control", weight = 1, is_control = true, value = "old" }, { id = "t", weight = 1, value = "new" }]

[[plugins.experiments]]
id = "listy"
variants = [{ id = "control", weight = 1, is_control = true, value = [1, 2] }, { id = "t", weight = 1, value = [3] }]

[[plugins]]
name = "flags"
source = "@assay/flags-local"

[[plugins.flags]]
key = "new_checkout"
rollout = 0.25

[[plugins.flags]]
key = "everyone"
rollout = 1

[[plugins.flags]]
key = "copy"
variants = { short = 1, long = 3 }
off = "classic"
rollout = 0.5

[[plugins.flags]]
key = "copy_no_off"
variants = { short = 1, long = 1 }
rollout = 0.5

[[plugins.flags]]
key = "killed"
enabled = false
`;

/** A temp folder with `manifest` as assay.toml; returns its path. */
export function manifestFile(manifest = OFREP_MANIFEST): string {
  const dir = mkdtempSync(join(tmpdir(), "assay-ofrep-"));
  const path = join(dir, "assay.toml");
  writeFileSync(path, manifest);
  return path;
}

/** A source over the manifest whose evaluation is the Assay client itself, as `assay serve` builds it. */
export function evaluatingOpener(manifest: string): { open: OpenSource; assay: () => Promise<Assay> } {
  let client: Promise<Assay> | undefined;
  const assay = () => {
    client ??= createAssay({ manifest, handleSignals: false });
    return client;
  };
  const open = async (): Promise<DashboardSource & EvaluationSource> => {
    const a = await assay();
    return {
      storeName: a.store.name,
      experiments: () => a.experiments(),
      summarize: (id, options) => a.summarize(id, options),
      report: () => ({}) as DashboardReport,
      evaluation: a,
      close: () => a.close(),
    };
  };
  return { open, assay };
}

/** One key per role, for the auth tests and the clients. */
export const KEYS = {
  evaluate: "evaluate-key-0123456789",
  ingest: "ingest-key-0123456789",
  read: "read-key-0123456789",
  admin: "admin-key-0123456789",
} as const;

/** KEYS as the server's `keys` option. */
export const API_KEYS = (Object.keys(KEYS) as (keyof typeof KEYS)[]).map((role) => ({
  name: `${role}-key`,
  key: KEYS[role],
  roles: [role],
}));

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * A `fetch` over node:http with a keep-alive agent, for the providers' `fetchImplementation` option: Node
 * 20's fetch spends about 1.8 ms of CPU per request here (node:http 0.3 ms), and the client shares the test
 * process with the server, so 10,000 ids would take a minute instead of seconds. The providers build the
 * Request and read the Response as they would with the global fetch.
 */
export const httpFetch: typeof fetch = async (input, init) => {
  const request = input instanceof Request ? input : new Request(input, init);
  const url = new URL(request.url);
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.text();
  return new Promise<Response>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers: Object.fromEntries(request.headers),
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === "string") headers.set(name, value);
            else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
          }
          const status = res.statusCode ?? 500;
          const empty = status === 204 || status === 304;
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers }));
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
};
