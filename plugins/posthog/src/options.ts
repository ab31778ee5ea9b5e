import type { OptionIssue } from "@assay/core";
import { unknownOptionIssue } from "@assay/core";
import type { FlagDefinitionCacheInput } from "posthog-node";

/** The SDK's `fetch` option: how posthog-node talks HTTP (tests and proxies pass their own). */
export type PostHogFetch = NonNullable<
  ConstructorParameters<typeof import("posthog-node").PostHog>[1]
>["fetch"];

/** Options of the PostHog backend. */
export interface PostHogPluginOptions {
  /** Project API key (`phc_...`): where captured events go. */
  readonly projectApiKey: string;
  /** Personal API key (`phx_...`) for local evaluation: posthog-node fetches the flag definitions with it. */
  readonly personalApiKey?: string;
  /** PostHog host. Default `https://us.i.posthog.com`. */
  readonly host?: string;
  /** Refetch the flag definitions every this many seconds (posthog-node's poller). Default 30. */
  readonly pollingIntervalSeconds?: number;
  /** How long `init` waits for the definitions, in seconds. Default 10. */
  readonly timeoutSeconds?: number;
  /** Flag definitions in hand (the local-evaluation response), instead of fetching them. */
  readonly definitions?: FlagDefinitionCacheInput;
  /** A JSON file of flag definitions, relative to `baseDir`, instead of fetching them. */
  readonly definitionsFile?: string;
  /** Where `definitionsFile` resolves from (the manifest's directory). */
  readonly baseDir?: string;
  /** Assay experiment id -> PostHog flag key; unlisted experiments use their own id. */
  readonly flagKeys?: Readonly<Record<string, string>>;
  /** Events per batch sent by posthog-node (its `flushAt`). Default 20. */
  readonly flushAt?: number;
  /** Seconds between posthog-node's periodic flushes. Default 10. */
  readonly flushIntervalSeconds?: number;
  /**
   * How many assign-time contexts to remember (per experiment and unit, least recently assigned forgotten
   * first) so that exposures and outcomes are evaluated with the attributes `assign` was given. Default
   * 10,000; 0 keeps none (then pass `attributes` on the records).
   */
  readonly contextMemory?: number;
  /** posthog-node's HTTP (its `fetch` option). Default: the global fetch. */
  readonly fetch?: PostHogFetch;
}

const KEYS: Record<string, string> = {
  project_api_key: 'a string, the project API key, e.g. "phc_abc"',
  personal_api_key: 'a string, a personal API key for local evaluation, e.g. "phx_abc"',
  host: 'a URL string, e.g. "https://eu.i.posthog.com"',
  polling_interval: "a number of seconds > 0",
  timeout: "a number of seconds > 0",
  definitions_file: 'a path to flag definitions JSON, relative to the manifest, e.g. "./flags.json"',
  experiments: 'a table of Assay experiment id = PostHog flag key, e.g. { checkout = "checkout-flow" }',
  flush_at: "a whole number >= 1",
  flush_interval: "a number of seconds > 0",
  context_memory: "a whole number >= 0 (assign-time contexts remembered for exposures and outcomes)",
};

/** Checks a posthog entry's manifest `options`: `project_api_key`, and `personal_api_key` or `definitions_file`. */
export function validateOptions(options: Readonly<Record<string, unknown>>): OptionIssue[] {
  const issues: OptionIssue[] = [];
  const bad = (key: string) =>
    issues.push({ key, message: `must be ${KEYS[key]}, got ${JSON.stringify(options[key])}` });
  for (const [key, value] of Object.entries(options)) {
    if (!(key in KEYS)) {
      issues.push(unknownOptionIssue(key, Object.keys(KEYS), "posthog"));
    } else if (key === "polling_interval" || key === "timeout" || key === "flush_interval") {
      if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) bad(key);
    } else if (key === "flush_at") {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1) bad(key);
    } else if (key === "context_memory") {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0) bad(key);
    } else if (key === "experiments") {
      const ok =
        typeof value === "object" &&
        value !== null &&
        !Array.isArray(value) &&
        Object.values(value).every((v) => typeof v === "string" && v !== "");
      if (!ok) bad(key);
    } else if (typeof value !== "string" || value === "") bad(key);
  }
  if (options.project_api_key === undefined) {
    issues.push({
      key: "project_api_key",
      message: 'missing: the project API key events go to, e.g. "phc_abc"',
    });
  }
  if ((options.personal_api_key === undefined) === (options.definitions_file === undefined)) {
    issues.push({
      key: options.personal_api_key === undefined ? "personal_api_key" : "definitions_file",
      message:
        options.personal_api_key === undefined
          ? "give personal_api_key (local evaluation fetches the flag definitions) or definitions_file"
          : "give either personal_api_key or definitions_file, not both",
    });
  }
  return issues;
}

/** Manifest `options` (snake_case, validated) to constructor options. */
export function fromManifestOptions(
  options: Readonly<Record<string, unknown>>,
  baseDir: string,
): PostHogPluginOptions {
  const o = options as Record<string, string | number | Record<string, string> | undefined>;
  const str = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : undefined);
  const num = (k: string) => (typeof o[k] === "number" ? (o[k] as number) : undefined);
  const entries: [keyof PostHogPluginOptions, unknown][] = [
    ["personalApiKey", str("personal_api_key")],
    ["host", str("host")],
    ["pollingIntervalSeconds", num("polling_interval")],
    ["timeoutSeconds", num("timeout")],
    ["definitionsFile", str("definitions_file")],
    ["flushAt", num("flush_at")],
    ["flushIntervalSeconds", num("flush_interval")],
    ["contextMemory", num("context_memory")],
    ["flagKeys", typeof o.experiments === "object" ? o.experiments : undefined],
  ];
  return {
    projectApiKey: str("project_api_key") ?? "",
    baseDir,
    ...Object.fromEntries(entries.filter(([, v]) => v !== undefined)),
  };
}
