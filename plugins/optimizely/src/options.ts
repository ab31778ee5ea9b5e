import {
  CONTEXT_MEMORY_OPTION,
  checkOptions,
  nonEmptyString,
  type OptionSpec,
  positiveNumber,
  stringTable,
  wholeNumber,
} from "@assay/adapter-core";
import type { OptionIssue } from "@assay/core";
import type { EventDispatcher } from "@optimizely/optimizely-sdk";

/**
 * Options of the Optimizely backend. Either `sdkKey` (the SDK downloads the datafile and, with
 * `pollingIntervalSeconds`, polls it) or `datafile` / `datafileFile` (a static datafile).
 */
export interface OptimizelyPluginOptions {
  /** The environment's SDK key: the SDK downloads `https://cdn.optimizely.com/datafiles/<sdkKey>.json`. */
  readonly sdkKey?: string;
  /** Where the SDK downloads the datafile from instead, `%s` standing for the SDK key (its `urlTemplate`). */
  readonly datafileUrl?: string;
  /** Seconds between the SDK's datafile downloads (its `updateInterval`). Default: the SDK's (5 minutes). */
  readonly pollingIntervalSeconds?: number;
  /** How long `init` waits for the datafile, in seconds. Default 10. */
  readonly timeoutSeconds?: number;
  /** A datafile in hand (the JSON text or the parsed object). */
  readonly datafile?: string | Readonly<Record<string, unknown>>;
  /** A datafile JSON file, relative to `baseDir`. */
  readonly datafileFile?: string;
  /** Where `datafileFile` resolves from (the manifest's directory). Default: the working directory. */
  readonly baseDir?: string;
  /** Assay experiment id -> Optimizely experiment key; unlisted experiments use their own id. */
  readonly experimentKeys?: Readonly<Record<string, string>>;
  /** Assay metric -> Optimizely event key for `track`; unlisted metrics use their own name. */
  readonly eventKeys?: Readonly<Record<string, string>>;
  /**
   * Attributes the datafile's audiences compare as numbers or booleans (Assay attributes are strings):
   * attribute -> `"number"` or `"boolean"`. Converted before the SDK sees them; a value that does not convert
   * (`"abc"` as a number, anything but `"true"` / `"false"` as a boolean) is left out, so the audience fails.
   */
  readonly attributeTypes?: Readonly<Record<string, OptimizelyAttributeType>>;
  /** Events per batch the SDK's batch event processor sends. Default the SDK's (10). */
  readonly batchSize?: number;
  /** Seconds between the batch event processor's flushes. Default the SDK's (30). */
  readonly flushIntervalSeconds?: number;
  /**
   * How many assign-time contexts to remember (per experiment and unit, least recently assigned forgotten
   * first) so that exposures and outcomes are evaluated with the attributes `assign` was given. Default
   * 10,000; 0 keeps none (then pass `attributes` on the records).
   */
  readonly contextMemory?: number;
  /**
   * Where the SDK's own dispatcher posts the event batches instead of Optimizely's event API
   * (`https://logx.optimizely.com/v1/events`): a proxy, a relay. Ignored with `eventDispatcher`.
   */
  readonly eventUrl?: string;
  /** Where the SDK's batched events go. Default: the SDK's own dispatcher (HTTPS to Optimizely's event API). */
  readonly eventDispatcher?: EventDispatcher;
}

/** How an attribute reaches Optimizely's audience conditions when it is not a string. */
export type OptimizelyAttributeType = "number" | "boolean";
const ATTRIBUTE_TYPES: readonly string[] = ["number", "boolean"];

const OPTIONS: Record<string, OptionSpec> = {
  sdk_key: nonEmptyString('a string, the environment\'s SDK key, e.g. "JWQSgMa6LeRK6gyxpcNKw"'),
  datafile_url: nonEmptyString('a URL template with %s for the SDK key, e.g. "https://cdn.example/%s.json"'),
  polling_interval: positiveNumber("a number of seconds > 0 (the SDK's datafile polling)"),
  timeout: positiveNumber("a number of seconds > 0"),
  datafile_file: nonEmptyString(
    'a path to a datafile JSON, relative to the manifest, e.g. "./datafile.json"',
  ),
  experiments: stringTable(
    'a table of Assay experiment id = Optimizely experiment key, e.g. { checkout = "checkout_test" }',
  ),
  events: stringTable(
    'a table of Assay metric = Optimizely event key, e.g. { purchase = "order_completed" }',
  ),
  attribute_types: {
    check: (v) =>
      typeof v === "object" &&
      v !== null &&
      !Array.isArray(v) &&
      Object.values(v).every((t) => typeof t === "string" && ATTRIBUTE_TYPES.includes(t)),
    hint: 'a table of attribute = "number" or "boolean", e.g. { age = "number", beta = "boolean" }',
  },
  event_url: nonEmptyString(
    'a URL string the event batches are posted to, e.g. "https://events-proxy.example/v1/events"',
  ),
  batch_size: wholeNumber(1, "a whole number >= 1 (events per batch)"),
  flush_interval: positiveNumber("a number of seconds > 0 (the event batch flush)"),
  context_memory: CONTEXT_MEMORY_OPTION,
};

/** Checks an optimizely entry's manifest `options`: `sdk_key` or `datafile_file`, and the tuning options. */
export function validateOptions(options: Readonly<Record<string, unknown>>): OptionIssue[] {
  const issues = checkOptions(options, OPTIONS, "optimizely");
  const remote = options.sdk_key !== undefined;
  const local = options.datafile_file !== undefined;
  if (remote === local) {
    issues.push({
      key: remote ? "datafile_file" : "sdk_key",
      message: remote
        ? "give either sdk_key (the SDK downloads the datafile) or datafile_file, not both"
        : "give sdk_key (the SDK downloads the datafile) or datafile_file (a datafile beside the manifest)",
    });
  }
  for (const key of ["polling_interval", "datafile_url"]) {
    if (options[key] !== undefined && !remote) {
      issues.push({ key, message: "the SDK downloads and polls the datafile only with sdk_key" });
    }
  }
  return issues;
}

/** Manifest `options` (snake_case, validated) to constructor options. */
export function fromManifestOptions(
  options: Readonly<Record<string, unknown>>,
  baseDir: string,
): OptimizelyPluginOptions {
  const str = (k: string) => (typeof options[k] === "string" ? (options[k] as string) : undefined);
  const num = (k: string) => (typeof options[k] === "number" ? (options[k] as number) : undefined);
  const table = (k: string) => (typeof options[k] === "object" ? options[k] : undefined);
  const entries: [keyof OptimizelyPluginOptions, unknown][] = [
    ["sdkKey", str("sdk_key")],
    ["datafileUrl", str("datafile_url")],
    ["pollingIntervalSeconds", num("polling_interval")],
    ["timeoutSeconds", num("timeout")],
    ["datafileFile", str("datafile_file")],
    ["experimentKeys", table("experiments")],
    ["eventKeys", table("events")],
    ["eventUrl", str("event_url")],
    ["attributeTypes", table("attribute_types")],
    ["batchSize", num("batch_size")],
    ["flushIntervalSeconds", num("flush_interval")],
    ["contextMemory", num("context_memory")],
  ];
  return { baseDir, ...Object.fromEntries(entries.filter(([, v]) => v !== undefined)) };
}
