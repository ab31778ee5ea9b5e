import type { Manifest } from "@assay/config";
import { type EventStore, InvalidContextError } from "@assay/core";
import type { BatchingOptions } from "@assay/pipeline";
import { Assay } from "./assay-client.js";
import { buildContainer, pluginResolver } from "./container.js";
import { buildGeneration, stickyAssignments } from "./live/build-generation.js";
import { eventStoreKey, ManifestReloader, type WatchOptions } from "./live/manifest-reloader.js";
import { manifestSource } from "./live/manifest-source.js";
import { manifestVersionOf, parsedManifestVersion } from "./live/manifest-version.js";
import { loadPlugins } from "./load-plugins.js";
import type { StickyOptions } from "./policy/sticky-assignments.js";
import { flushOnSignals } from "./signals.js";
import { startStore } from "./store-startup.js";
import { TOKENS } from "./tokens.js";

export interface CreateAssayOptions {
  /**
   * Path of the manifest (default `ASSAY_MANIFEST`, else `./assay.toml`), its URL (`http://…/assay.toml`,
   * `https://…`; path sources then resolve from the working directory), or an already parsed manifest.
   */
  readonly manifest?: string | Manifest;
  /**
   * Follow the manifest: reload the file when it changes (debounced) and on SIGHUP, or poll the URL with its
   * ETag (`pollIntervalMs`, default 30 s). Each new version is parsed, validated and its plugins made off the
   * hot path, then swapped in at once; one that fails keeps the old version serving and goes to `onError`
   * ("(manifest)"). Not for a parsed manifest. Default false (`assay.reload()` still reloads on demand).
   */
  readonly watch?: boolean | WatchOptions;
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
  const env = options.env ?? process.env.ASSAY_ENV;
  const source =
    typeof options.manifest === "object"
      ? undefined
      : manifestSource(options.manifest ?? process.env.ASSAY_MANIFEST ?? "assay.toml");
  if (source === undefined && options.watch !== undefined && options.watch !== false) {
    throw new InvalidContextError(
      "createAssay: watch needs the manifest's path or URL, not a parsed manifest (nothing to re-read)",
    );
  }
  let manifest: Manifest;
  let manifestVersion: string;
  if (source === undefined) {
    manifest = options.manifest as Manifest;
    manifestVersion = parsedManifestVersion(manifest.plugins);
  } else {
    const read = await source.read();
    if (read === "unchanged") throw new Error(`${source.location}: answered 304 to the first read`);
    manifest = source.parse(read.text, env);
    manifestVersion = manifestVersionOf(read.text);
  }
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
  let assay: Assay | undefined;
  const context = {
    onError,
    tracing: () => assay?.tracingActive() === true,
    deprecatedAttributes: options.deprecatedTelemetryAttributes === true,
  };
  const generation = await buildGeneration(
    manifest,
    plugins,
    pluginResolver(container),
    sticky,
    { version: 1, manifestVersion },
    context,
  ).catch(async (error: unknown) => {
    await sticky?.close().catch(() => undefined);
    await store.close?.().catch(() => undefined);
    throw error;
  });

  let removeSignalHandlers = () => {};
  const client = new Assay(
    generation,
    store,
    async () => removeSignalHandlers(),
    onError,
    options.tracing !== false,
    options.deprecatedTelemetryAttributes === true,
  );
  assay = client;
  if (source !== undefined) {
    const reloader = new ManifestReloader(client, {
      source,
      manifest,
      env,
      store,
      sticky: options.sticky,
      context,
      storeKey: options.store === undefined ? eventStoreKey(plugins) : undefined,
    });
    client.reloader = reloader;
    client.beforeClose = () => reloader.stop();
    if (options.watch !== undefined && options.watch !== false) {
      reloader.watch(options.watch === true ? {} : options.watch);
    }
  }
  if (options.handleSignals !== false) removeSignalHandlers = flushOnSignals(() => client.close());
  return client;
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
