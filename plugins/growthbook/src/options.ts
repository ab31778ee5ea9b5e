import {
  CONTEXT_MEMORY_OPTION,
  checkOptions,
  nonEmptyString,
  type OptionSpec,
  positiveNumber,
  stringTable,
} from "@assay/adapter-core";
import type { OptionIssue } from "@assay/core";
import type { Experiment, FeatureApiResponse, Result, TrackingUserContext } from "@growthbook/growthbook";

/** What the exposure hook receives: the Assay exposure as stored, and GrowthBook's own view of it. */
export interface GrowthBookExposure {
  /** The Assay experiment id. */
  readonly experiment: string;
  readonly variantId: string;
  /** GrowthBook's experiment (its `key` is the tracking key analysis tools expect as `experiment_id`). */
  readonly growthbookExperiment: Experiment<unknown>;
  /** GrowthBook's result (`key` is the `variation_id` analysis tools expect; `hashAttribute`, `hashValue`). */
  readonly result: Result<unknown>;
  readonly user: TrackingUserContext;
  readonly timestamp: Date;
  readonly eventId?: string;
}

/** Options of the GrowthBook backend. Either `apiHost` + `clientKey`, or `payload` / `payloadFile`. */
export interface GrowthBookPluginOptions {
  /** GrowthBook API host, e.g. `https://cdn.growthbook.io` (the SDK fetches `<apiHost>/api/features/<clientKey>`). */
  readonly apiHost?: string;
  /** SDK connection client key (`sdk-...`). */
  readonly clientKey?: string;
  /** Key of an encrypted SDK connection. */
  readonly decryptionKey?: string;
  /** Background refresh: refetch the payload every this many seconds (needs `clientKey`). Off when absent. */
  readonly pollingIntervalSeconds?: number;
  /** How long `init` waits for the first payload, in seconds. Default 10. */
  readonly timeoutSeconds?: number;
  /** A payload already in hand (the features endpoint's JSON). */
  readonly payload?: FeatureApiResponse;
  /** A JSON file holding the payload, relative to `baseDir`. */
  readonly payloadFile?: string;
  /** Where `payloadFile` resolves from (the manifest's directory). Default: the working directory. */
  readonly baseDir?: string;
  /**
   * Assay experiment id -> GrowthBook key: an experiment rule's tracking key (`rule.key`), a feature id (its
   * first experiment rule), or an inline experiment's key. Experiments not listed use their own id.
   */
  readonly experimentKeys?: Readonly<Record<string, string>>;
  /**
   * How many assign-time contexts to remember (per experiment and unit, least recently assigned forgotten
   * first) so that an exposure is evaluated with the attributes `assign` was given. Default 10,000; 0 keeps
   * none (then pass `attributes` on the exposure record).
   */
  readonly contextMemory?: number;
  /** Called once per exposure GrowthBook tracks, after it is handed to the event store (forward it to your analytics). */
  readonly onExposure?: (exposure: GrowthBookExposure) => void | Promise<void>;
}

const OPTIONS: Record<string, OptionSpec> = {
  api_host: nonEmptyString('a URL string, e.g. "https://cdn.growthbook.io"'),
  client_key: nonEmptyString('a string, the SDK connection key, e.g. "sdk-abc123"'),
  decryption_key: nonEmptyString("a string, the SDK connection's decryption key"),
  polling_interval: positiveNumber("a number of seconds > 0 (background refresh)"),
  timeout: positiveNumber("a number of seconds > 0"),
  payload_file: nonEmptyString(
    'a path to a GrowthBook payload JSON, relative to the manifest, e.g. "./growthbook.json"',
  ),
  experiments: stringTable(
    'a table of Assay experiment id = GrowthBook key, e.g. { checkout = "checkout-exp" }',
  ),
  context_memory: CONTEXT_MEMORY_OPTION,
};

/**
 * Checks the manifest `options` of a growthbook entry: `api_host` + `client_key` (optionally
 * `polling_interval`, `timeout`, `decryption_key`) or `payload_file`; `experiments` maps ids to GrowthBook keys.
 */
export function validateOptions(options: Readonly<Record<string, unknown>>): OptionIssue[] {
  const issues = checkOptions(options, OPTIONS, "growthbook");
  const remote = options.client_key !== undefined;
  const local = options.payload_file !== undefined;
  if (remote === local) {
    issues.push({
      key: remote ? "payload_file" : "client_key",
      message: remote
        ? "give either client_key (with api_host) or payload_file, not both"
        : "give client_key (with api_host) to fetch the payload, or payload_file to read it from a file",
    });
  }
  if (remote && options.api_host === undefined) {
    issues.push({
      key: "api_host",
      message: 'client_key needs api_host, e.g. api_host = "https://cdn.growthbook.io"',
    });
  }
  if (options.polling_interval !== undefined && !remote) {
    issues.push({ key: "polling_interval", message: "background refresh needs client_key and api_host" });
  }
  return issues;
}

/** Manifest `options` (snake_case, validated) to constructor options. */
export function fromManifestOptions(
  options: Readonly<Record<string, unknown>>,
  baseDir: string,
): GrowthBookPluginOptions {
  const o = options as Record<string, string | number | Record<string, string> | undefined>;
  return {
    baseDir,
    ...(typeof o.api_host === "string" ? { apiHost: o.api_host } : {}),
    ...(typeof o.client_key === "string" ? { clientKey: o.client_key } : {}),
    ...(typeof o.decryption_key === "string" ? { decryptionKey: o.decryption_key } : {}),
    ...(typeof o.polling_interval === "number" ? { pollingIntervalSeconds: o.polling_interval } : {}),
    ...(typeof o.timeout === "number" ? { timeoutSeconds: o.timeout } : {}),
    ...(typeof o.payload_file === "string" ? { payloadFile: o.payload_file } : {}),
    ...(typeof o.experiments === "object" ? { experimentKeys: o.experiments } : {}),
    ...(typeof o.context_memory === "number" ? { contextMemory: o.context_memory } : {}),
  };
}
