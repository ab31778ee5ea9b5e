import {
  CONTEXT_MEMORY_OPTION,
  checkOptions,
  nonEmptyString,
  type OptionSpec,
  positiveNumber,
  stringTable,
} from "@assay/adapter-core";
import type { OptionIssue } from "@assay/core";

/** How much the SDK itself prints (its `outputLogLevel`). */
export type StatsigLogLevel = "none" | "error" | "warn" | "info" | "debug";
const LOG_LEVELS: readonly StatsigLogLevel[] = ["none", "error", "warn", "info", "debug"];

/**
 * Options of the Statsig backend. The SDK fetches the config specs from Statsig (`specsUrl`, by default
 * Statsig's CDN) with the server secret, or reads them from `specs` / `specsFile` through its data-store
 * adapter; either way it refreshes them every `syncIntervalSeconds`.
 */
export interface StatsigPluginOptions {
  /** The server secret key (`secret-...`): the SDK fetches the specs and sends events with it. */
  readonly serverSecret: string;
  /** Where the SDK fetches `download_config_specs` (v2) from. Default: Statsig's CDN. */
  readonly specsUrl?: string;
  /** Where the SDK sends its events (exposures, outcomes). Default: Statsig's event API. */
  readonly logEventUrl?: string;
  /**
   * A `download_config_specs` v2 response (the map format `@statsig/statsig-node-core` reads) in hand; the
   * SDK reads it through its data-store adapter instead of fetching.
   */
  readonly specs?: Readonly<Record<string, unknown>>;
  /** A JSON file holding that response (or a v1 one, statsig-node's), relative to `baseDir`; re-read on every sync. */
  readonly specsFile?: string;
  /** Where `specsFile` resolves from (the manifest's directory). Default: the working directory. */
  readonly baseDir?: string;
  /** Seconds between the SDK's refreshes of the specs (its `specsSyncIntervalMs`). Default 10. */
  readonly syncIntervalSeconds?: number;
  /** Seconds between the SDK's event flushes (its `eventLoggingFlushIntervalMs`). Default the SDK's. */
  readonly flushIntervalSeconds?: number;
  /** How long `init` waits for the specs, in seconds (the SDK's `initTimeoutMs`). Default 10. */
  readonly timeoutSeconds?: number;
  /** Statsig environment tier (`production`, `staging`, ...) the rules are evaluated for. */
  readonly environment?: string;
  /** Assay experiment id -> Statsig experiment name; unlisted experiments use their own id. */
  readonly experimentNames?: Readonly<Record<string, string>>;
  /**
   * How many assign-time contexts to remember (per experiment and unit, least recently assigned forgotten
   * first) so that exposures and outcomes are evaluated with the attributes `assign` was given. Default
   * 10,000; 0 keeps none (then pass `attributes` on the records).
   */
  readonly contextMemory?: number;
  /** What the SDK prints. Default `error` (its data-store reads warn on every sync otherwise). */
  readonly logLevel?: StatsigLogLevel;
}

const OPTIONS: Record<string, OptionSpec> = {
  server_secret: nonEmptyString('a string, the server secret key, e.g. "secret-abc123"'),
  specs_url: nonEmptyString('a URL string, e.g. "https://api.statsigcdn.com/v2/download_config_specs"'),
  log_event_url: nonEmptyString('a URL string, e.g. "https://events.statsigapi.net/v1/log_event"'),
  specs_file: nonEmptyString(
    'a path to a download_config_specs JSON (v2, or v1), relative to the manifest, e.g. "./statsig.json"',
  ),
  sync_interval: positiveNumber("a number of seconds > 0 (the SDK's specs refresh)"),
  flush_interval: positiveNumber("a number of seconds > 0 (the SDK's event flush)"),
  timeout: positiveNumber("a number of seconds > 0"),
  environment: nonEmptyString('a string, the Statsig environment tier, e.g. "production"'),
  experiments: stringTable(
    'a table of Assay experiment id = Statsig experiment name, e.g. { checkout = "checkout_v2" }',
  ),
  context_memory: CONTEXT_MEMORY_OPTION,
  log_level: {
    check: (v) => typeof v === "string" && (LOG_LEVELS as readonly string[]).includes(v),
    hint: `one of ${LOG_LEVELS.map((l) => JSON.stringify(l)).join(", ")}`,
  },
};

/** Checks a statsig entry's manifest `options`: `server_secret`, and at most one of `specs_url`, `specs_file`. */
export function validateOptions(options: Readonly<Record<string, unknown>>): OptionIssue[] {
  const issues = checkOptions(options, OPTIONS, "statsig");
  if (options.server_secret === undefined) {
    issues.push({
      key: "server_secret",
      message:
        'missing: the server secret key the SDK fetches specs and sends events with, e.g. "secret-abc123"',
    });
  }
  if (options.specs_file !== undefined && options.specs_url !== undefined) {
    issues.push({
      key: "specs_file",
      message: "give either specs_url (the SDK fetches the specs) or specs_file (it reads them), not both",
    });
  }
  return issues;
}

/** Manifest `options` (snake_case, validated) to constructor options. */
export function fromManifestOptions(
  options: Readonly<Record<string, unknown>>,
  baseDir: string,
): StatsigPluginOptions {
  const str = (k: string) => (typeof options[k] === "string" ? (options[k] as string) : undefined);
  const num = (k: string) => (typeof options[k] === "number" ? (options[k] as number) : undefined);
  const entries: [keyof StatsigPluginOptions, unknown][] = [
    ["specsUrl", str("specs_url")],
    ["logEventUrl", str("log_event_url")],
    ["specsFile", str("specs_file")],
    ["syncIntervalSeconds", num("sync_interval")],
    ["flushIntervalSeconds", num("flush_interval")],
    ["timeoutSeconds", num("timeout")],
    ["environment", str("environment")],
    ["contextMemory", num("context_memory")],
    ["logLevel", str("log_level")],
    ["experimentNames", typeof options.experiments === "object" ? options.experiments : undefined],
  ];
  return {
    serverSecret: str("server_secret") ?? "",
    baseDir,
    ...Object.fromEntries(entries.filter(([, v]) => v !== undefined)),
  };
}
