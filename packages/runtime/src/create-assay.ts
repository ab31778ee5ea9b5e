import { issueAt, loadManifest, type Manifest, ManifestError } from "@assay/config";
import {
  type EventStore,
  type ExperimentPlugin,
  type FeatureFlagPlugin,
  type FlagDefinition,
  hasStickyAssignments,
  InvalidContextError,
  type StickyAssignmentStore,
} from "@assay/core";
import { BatchingEventStore, type BatchingOptions } from "@assay/pipeline";
import { Assay, type ExperimentRoute } from "./assay-client.js";
import { buildContainer, pluginToken } from "./container.js";
import { FlagClient } from "./flag-client.js";
import { loadPlugins } from "./load-plugins.js";
import { ExperimentPolicy, needsPolicy } from "./policy/experiment-policy.js";
import { StickyAssignments, type StickyOptions } from "./policy/sticky-assignments.js";
import { flushOnSignals } from "./signals.js";
import { startStore } from "./store-startup.js";
import { TOKENS } from "./tokens.js";

export interface CreateAssayOptions {
  /** Path of the manifest (default `ASSAY_MANIFEST`, else `./assay.toml`), or an already parsed manifest. */
  readonly manifest?: string | Manifest;
  /**
   * The environment whose `env.<name>` blocks apply (default `ASSAY_ENV`, else the manifest's `environment`
   * key). Ignored when `manifest` is already parsed (it was chosen when parsing).
   */
  readonly env?: string;
  /**
   * Annotate the active OpenTelemetry span on `assign` and `expose` (default true: a no-op until an SDK is
   * registered). False never touches tracing: for apps whose SDK is registered but that want no per-assign
   * context lookup (about 30 ns when no span is active; `node bench/telemetry.mjs`).
   */
  readonly tracing?: boolean;
  /**
   * Also set the attribute names that the OpenTelemetry feature-flag conventions replaced
   * (`feature_flag.variant`, `feature_flag.provider_name`) beside the current ones
   * (`feature_flag.result.variant`, `feature_flag.provider.name`), for dashboards and queries still built on
   * the old names. Default false: current names only.
   */
  readonly deprecatedTelemetryAttributes?: boolean;
  /** How the sticky map is refreshed from the store (other instances' first assignments). */
  readonly sticky?: StickyOptions;
  /** Use this event store instead of the manifest's (tests, embedding). */
  readonly store?: EventStore;
  /** Group commit, queue bound and retries of the event pipeline in front of the store. */
  readonly pipeline?: BatchingOptions;
  /**
   * How long `createAssay` keeps trying to reach the event store when it is down at startup (its `init`, and
   * the sticky map's first load), with backoff from 100 ms to 2 s. Past it, `createAssay` rejects with a
   * BackendError naming the store and the last error. Default 30,000 ms; 0 tries once. Nothing is served
   * before the store answered: a sticky experiment needs the stored assignments before its first `assign`.
   */
  readonly storeStartupTimeoutMs?: number;
  /** Flush on SIGTERM/SIGINT before the process exits. Default true. */
  readonly handleSignals?: boolean;
  /**
   * Told about errors that `assignOrControl` swallowed, and about `expose`/`track` records that failed
   * (awaited or not). Records committed together share one outcome, so a failed commit is reported once,
   * under the experiment of its first record. Default: one console warning per experiment and error code,
   * so a broken page is visible in the logs without flooding them.
   */
  readonly onError?: (error: unknown, experiment: string) => void;
}

/**
 * Loads the manifest, imports and checks every plugin it names, wires them in an inversify container,
 * initializes them, and returns the client. Throws ManifestError (every problem, with file:line) when the
 * manifest or a plugin is not usable: nothing starts with a manifest that does not validate.
 *
 * ```ts
 * const assay = await createAssay({ manifest: "assay.toml" });
 * const variant = assay.assign("checkout_button_color", ExperimentContext.forUser("alice"));
 * ```
 */
export async function createAssay(options: CreateAssayOptions = {}): Promise<Assay> {
  // a JavaScript caller's null would otherwise be a TypeError from deep inside
  if (typeof options !== "object" || options === null) {
    throw new InvalidContextError(
      `createAssay options must be an object or undefined, got ${String(options)}`,
    );
  }
  const manifest =
    typeof options.manifest === "object"
      ? options.manifest
      : await loadManifest(options.manifest ?? process.env.ASSAY_MANIFEST ?? "assay.toml", {
          env: options.env ?? process.env.ASSAY_ENV,
        });
  const plugins = await loadPlugins(manifest);
  const container = buildContainer(manifest, plugins, {
    ...(options.store !== undefined ? { store: options.store } : {}),
    ...(options.pipeline !== undefined ? { pipeline: options.pipeline } : {}),
  });

  const store = await container.getAsync<EventStore>(TOKENS.EventStore);
  const onError = options.onError ?? warnOncePerCode();
  const sticky = stickyAssignments(manifest, store, onError, options.sticky);
  await startStore(
    store,
    async () => {
      await store.init?.();
      await sticky?.load();
    },
    options.storeStartupTimeoutMs ?? 30_000,
  ).catch(async (error: unknown) => {
    await store.close?.().catch(() => undefined); // its pool or writer thread must not outlive the failure
    throw error;
  });
  const routes = new Map<string, ExperimentRoute>();
  const backends: ExperimentPlugin[] = [];
  for (const plugin of plugins) {
    if (!plugin.roles.includes("experiments")) continue;
    const backend = await container.getAsync(pluginToken<ExperimentPlugin>("experiments", plugin.entry.name));
    await backend.init?.();
    backends.push(backend);
    for (const definition of plugin.entry.experiments) {
      const policy = needsPolicy(definition) ? new ExperimentPolicy(definition, sticky) : undefined;
      routes.set(definition.id, { definition, plugin: backend, policy });
    }
  }
  const flagRoutes = new Map<string, FeatureFlagPlugin>();
  const flagDefinitions = new Map<string, FlagDefinition>();
  const flagBackends: FeatureFlagPlugin[] = [];
  for (const plugin of plugins) {
    if (!plugin.roles.includes("flags")) continue;
    const backend = await container.getAsync(pluginToken<FeatureFlagPlugin>("flags", plugin.entry.name));
    await backend.init?.();
    flagBackends.push(backend);
    for (const flag of plugin.entry.flags) {
      flagRoutes.set(flag.key, backend);
      flagDefinitions.set(flag.key, flag);
    }
  }
  if (backends.length === 0) {
    throw new ManifestError([
      issueAt(
        manifest,
        ["plugins"],
        'no plugin provides experiments; add a [[plugins]] entry with source = "@assay/experiment-hash"',
        "key",
      ),
    ]);
  }

  let removeSignalHandlers = () => {};
  const assay = new Assay(
    routes,
    backends,
    store,
    async () => removeSignalHandlers(),
    onError,
    new FlagClient(
      flagRoutes,
      flagBackends[0],
      onError,
      () => assay.tracingActive(),
      options.deprecatedTelemetryAttributes === true,
      flagDefinitions,
    ),
    sticky,
    flagBackends,
    options.tracing !== false,
    options.deprecatedTelemetryAttributes === true,
  );
  if (options.handleSignals !== false) removeSignalHandlers = flushOnSignals(() => assay.close());
  return assay;
}

/**
 * The sticky map of the manifest's sticky experiments, over the event store's sticky capability (SQLite,
 * PostgreSQL, memory). A sticky experiment with a store that has none is a manifest error at its `sticky` key.
 */
function stickyAssignments(
  manifest: Manifest,
  store: EventStore,
  onError: (error: unknown, experiment: string) => void,
  options: StickyOptions | undefined,
): StickyAssignments | undefined {
  const sticky = manifest.plugins.flatMap((p) =>
    p.experiments.flatMap((e, i) =>
      e.sticky === undefined
        ? []
        : [{ experiment: e.id, version: e.sticky.version, path: [...p.path, "experiments", i, "sticky"] }],
    ),
  );
  if (sticky.length === 0) return undefined;
  const base: unknown = store instanceof BatchingEventStore ? store.inner : store;
  if (!hasStickyAssignments(base)) {
    throw new ManifestError(
      sticky.map((s) =>
        issueAt(
          manifest,
          s.path,
          `the event store "${store.name}" keeps no sticky assignments; use @assay/store-sqlite or @assay/store-postgres`,
          "key",
        ),
      ),
    );
  }
  return new StickyAssignments(base as StickyAssignmentStore, sticky, onError, options);
}

function warnOncePerCode(): (error: unknown, experiment: string) => void {
  const seen = new Set<string>();
  return (error, experiment) => {
    const code = (error as { code?: unknown })?.code;
    const key = `${experiment}\u0000${String(code)}`;
    if (seen.has(key)) return;
    seen.add(key);
    console.warn(
      // onError gets the failures of assignOrControl (control was served) and of records nobody awaited
      // (nothing was stored), so the warning names neither.
      `assay: ${JSON.stringify(experiment)}: ${String(code ?? "error")}: ${(error as Error)?.message ?? String(error)} (further ${String(code ?? "such")} errors of this experiment are not logged)`,
    );
  };
}
