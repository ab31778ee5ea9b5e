import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isManifestError } from "@assay/config";
import { createAssay, isManifestUrl, type ReloadResult } from "@assay/runtime";
import {
  type ApiKey,
  CorsConfigError,
  type CorsOptions,
  checkCorsOptions,
  DashboardConfigError,
  type DashboardReport,
  type DashboardSource,
  type EvaluationSource,
  KeysConfigError,
  loadKeysFile,
  parseKeysEnv,
  serveDashboard,
} from "@assay/server";
import { CliError, EXIT } from "../exit-codes.js";
import { type Io, write } from "../io.js";
import { parseCommandArgs } from "./args.js";
import { manifestPath } from "./manifest-path.js";
import { plannedQueries, reportOf } from "./report.js";

const USAGE =
  "usage: assay serve [--manifest PATH | URL] [--watch [--poll-ms N]] [--port N] [--host H] [--keys FILE] [--token-file PATH] [--cors-origin ORIGIN]...";

/**
 * `assay serve`: the results dashboard over the manifest's event store, until SIGINT or SIGTERM. Its
 * reports are `reportOf`'s, the very objects `assay results --json` prints. A store that cannot be opened
 * at start is retried at each request (the pages answer 503 meanwhile); a bad manifest exits 1.
 */
export async function serve(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      manifest: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      "token-file": { type: "string" },
      keys: { type: "string" },
      "cors-origin": { type: "string", multiple: true },
      watch: { type: "boolean" },
      "poll-ms": { type: "string" },
    },
    USAGE,
  );
  if (positionals.length > 0) throw new CliError(USAGE, EXIT.USAGE);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!/^\d+$/.test(values.port ?? "") || port > 65535)) {
    throw new CliError(`--port ${values.port}: a port is an integer from 0 to 65535`, EXIT.USAGE);
  }
  const token = tokenOf(values["token-file"], io);
  const keys = keysOf(values.keys, io);
  const cors = corsOf(values["cors-origin"], io);
  const manifest = manifestPath(values.manifest, io);
  const pollIntervalMs = pollOf(values["poll-ms"], values.watch === true);
  const open = async (): Promise<DashboardSource & EvaluationSource> => {
    const assay = await createAssay({
      manifest,
      handleSignals: false,
      ...(values.watch === true
        ? { watch: { ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }), onReload: logReload(io) } }
        : {}),
    });
    return {
      storeName: assay.store.name,
      experiments: () => assay.experiments(),
      // With what the plan's derived metrics need (caps, windows, CUPED, ratios, quantiles), as assay results asks.
      summarize: (id, options) => {
        const definition = assay.experiments().find((e) => e.id === id);
        return assay.summarize(id, {
          ...(definition === undefined ? {} : plannedQueries(definition)),
          ...options,
        });
      },
      report: (definition, summary) => reportOf(definition, summary, undefined) as DashboardReport,
      // The HTTP API ingests through the runtime's pipeline and exports from its store; close drains it.
      events: assay.store,
      environment: assay.environment,
      pipelineStats: () => assay.pipelineStats,
      manifestStatus: () => assay.manifestStatus(),
      // OFREP evaluates through the very client: the answers are assign()'s and assay.flags'.
      evaluation: assay,
      close: () => assay.close(),
    };
  };
  // Open once now, so a bad manifest stops here; a store that is down only makes the pages answer 503.
  let first: DashboardSource | undefined;
  try {
    first = await open();
  } catch (error) {
    if (isManifestError(error)) throw error;
    await write(
      io.stderr,
      `assay serve: warning: ${(error as Error).message}; the pages answer 503 until it opens\n`,
    );
  }
  let running: Awaited<ReturnType<typeof serveDashboard>>;
  try {
    running = await serveDashboard({
      open: async () => first ?? open(),
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(port === undefined ? {} : { port }),
      ...(token === undefined ? {} : { token }),
      keys,
      ...(cors === undefined ? {} : { cors }),
      // Where `assay simulate` notes which experiments hold simulated data, for the pages to say so.
      manifestDir: isManifestUrl(manifest) ? process.cwd() : dirname(resolve(manifest)),
    });
  } catch (error) {
    await first?.close?.();
    if (error instanceof DashboardConfigError) throw new CliError(error.message, EXIT.USAGE);
    throw error;
  }
  // The handlers go in before the URL is printed: whoever reads the URL may signal at once.
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  const guarded = token !== undefined || keys.length > 0;
  await write(io.stdout, `assay dashboard: ${running.url}${guarded ? " (token required)" : ""}\n`);
  await stopped;
  await running.close();
  return EXIT.OK;
}

/** `--poll-ms N`: how often `--watch` polls a manifest URL. */
function pollOf(text: string | undefined, watching: boolean): number | undefined {
  if (text === undefined) return undefined;
  if (!watching) throw new CliError(`--poll-ms applies with --watch\n${USAGE}`, EXIT.USAGE);
  const ms = Number(text);
  if (!/^\d+$/.test(text) || ms < 100 || ms > 86_400_000) {
    throw new CliError(`--poll-ms ${text}: a whole number of milliseconds from 100 to 86400000`, EXIT.USAGE);
  }
  return ms;
}

/** One stderr line per reload that swapped a version in or was refused (with its errors). */
function logReload(io: Io): (result: ReloadResult) => void {
  return (result) => {
    if (result.status === "swapped") {
      void write(
        io.stderr,
        `assay serve: manifest reloaded: version ${result.version} (${result.manifestVersion}, was ${result.previous}) in ${result.durationMs.toFixed(0)} ms\n`,
      );
    } else if (result.status === "rejected") {
      void write(
        io.stderr,
        `assay serve: manifest refused${result.manifestVersion === undefined ? "" : ` (${result.manifestVersion})`}, the previous version keeps serving:\n${result.errors.map((e) => `  ${e}`).join("\n")}\n`,
      );
    }
  };
}

/** `--token-file` (its first line), else `ASSAY_DASHBOARD_TOKEN`. */
function tokenOf(file: string | undefined, io: Io): string | undefined {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new CliError(
        `--token-file ${file}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}`,
        EXIT.USAGE,
      );
    }
    const line = text
      .split(/\r?\n/)
      .find((l) => l.trim() !== "" && !l.startsWith("#"))
      ?.trim();
    if (line === undefined) throw new CliError(`--token-file ${file}: the file holds no token`, EXIT.USAGE);
    return line;
  }
  const env = io.env.ASSAY_DASHBOARD_TOKEN?.trim();
  return env === undefined || env === "" ? undefined : env;
}

/** `--keys FILE` and `ASSAY_API_KEYS`, both if given: the API keys with their roles. */
function keysOf(file: string | undefined, io: Io): ApiKey[] {
  try {
    return [...(file === undefined ? [] : loadKeysFile(file)), ...parseKeysEnv(io.env.ASSAY_API_KEYS)];
  } catch (error) {
    if (error instanceof KeysConfigError) throw new CliError(error.message, EXIT.USAGE);
    throw error;
  }
}

/** `--cors-origin` (repeatable), else `ASSAY_CORS_ORIGINS` (comma-separated): origins for OFREP calls. */
function corsOf(flags: readonly string[] | undefined, io: Io): CorsOptions | undefined {
  const origins =
    flags ??
    (io.env.ASSAY_CORS_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter((o) => o !== "");
  if (origins.length === 0) return undefined;
  try {
    return checkCorsOptions({ origins });
  } catch (error) {
    if (error instanceof CorsConfigError) throw new CliError(error.message, EXIT.USAGE);
    throw error;
  }
}
