import { formatIssue, isManifestError, issueAt, type Manifest, ManifestError } from "@assay/config";
import type { EventStore } from "@assay/core";
import { type Assay, type AssayGeneration, closeGeneration, flushGeneration } from "../assay-client.js";
import { buildContainer, pluginResolver } from "../container.js";
import { type LoadedPlugin, loadPlugins } from "../load-plugins.js";
import type { StickyAssignments, StickyOptions } from "../policy/sticky-assignments.js";
import { buildGeneration, type GenerationContext, stickyAssignments } from "./build-generation.js";
import type { ManifestSource } from "./manifest-source.js";
import { manifestVersionOf } from "./manifest-version.js";

/** How `createAssay({ watch })` follows the manifest. */
export interface WatchOptions {
  /** A file: reload this long after its last change event (an editor saves in several writes). Default 100 ms. */
  readonly debounceMs?: number;
  /** A URL: how often it is polled, with its ETag. Default 30,000 ms. */
  readonly pollIntervalMs?: number;
  /** Also reload on SIGHUP. Default true. */
  readonly sighup?: boolean;
  /**
   * How long a replaced version's backends stay open after the swap, for snapshots taken before it that are
   * still assigning or recording. Default 30,000 ms.
   */
  readonly retireAfterMs?: number;
  /** Told the outcome of every reload the watcher ran (a service's log line). Refusals also go to `onError`. */
  readonly onReload?: (result: ReloadResult) => void;
}

/** What one reload did. */
export type ReloadResult =
  | {
      readonly status: "swapped";
      readonly version: number;
      readonly manifestVersion: string;
      readonly previous: string;
      /** From reading the source to the swap. */
      readonly durationMs: number;
    }
  | { readonly status: "unchanged"; readonly manifestVersion: string }
  | {
      readonly status: "rejected";
      /** The rejected text's content hash; absent when it could not be read. */
      readonly manifestVersion?: string;
      /** Each problem as `file:line:col: key: message` (or the error's message). */
      readonly errors: readonly string[];
      readonly error: unknown;
    };

/** What `assay.manifestStatus()` says (and `/readyz` shows): the version serving and the last one refused. */
export interface ManifestStatus {
  /** The file or URL the manifest is read from. */
  readonly source: string;
  readonly version: number;
  readonly manifestVersion: string;
  readonly loadedAt: Date;
  readonly watching: boolean;
  /** The last manifest refused since the one serving was loaded; absent when none was. */
  readonly rejected?: {
    readonly manifestVersion?: string;
    readonly at: Date;
    readonly errors: readonly string[];
  };
}

/** What a reload needs of the client it feeds. */
export interface ReloaderSetup {
  readonly source: ManifestSource;
  readonly manifest: Manifest;
  readonly env: string | undefined;
  readonly store: EventStore;
  readonly sticky: StickyOptions | undefined;
  readonly context: GenerationContext;
  /**
   * The event store plugin createAssay opened (see `eventStoreKey`); undefined when the caller gave the
   * store (`createAssay({ store })`), which no manifest change replaces.
   */
  readonly storeKey: string | undefined;
}

/** Which store plugin, with which options, `plugins` open: "" for the default store. */
export function eventStoreKey(plugins: readonly LoadedPlugin[]): string {
  const entry = plugins.find((p) => p.roles.includes("events"))?.entry;
  return entry === undefined ? "" : JSON.stringify([entry.source, entry.options]);
}

/**
 * Reloads a client's manifest: reads the source, parses and validates it, loads its plugins and makes its
 * backends, loads its sticky assignments, all while the old version serves; then swaps the new version in
 * with one synchronous assignment. A manifest that fails any step is refused: the old version keeps
 * serving, and the errors (`file:line:col`) go to `onError` under the name "(manifest)" and to
 * `manifestStatus().rejected`. Reloads run one at a time; triggers during one coalesce into one more.
 */
export class ManifestReloader {
  private manifest: Manifest;
  private loadedAt = new Date();
  private rejected: ManifestStatus["rejected"];
  private running: Promise<unknown> = Promise.resolve();
  private queued: Promise<ReloadResult> | undefined;
  private readonly retiring = new Map<AssayGeneration, ReturnType<typeof setTimeout>>();
  private stopWatching: (() => void) | undefined;
  private stopped = false;
  private retireAfterMs = 30_000;

  constructor(
    private readonly assay: Assay,
    private readonly setup: ReloaderSetup,
  ) {
    this.manifest = setup.manifest;
  }

  /** Starts following the source: file events or polls, and SIGHUP. */
  watch(options: WatchOptions): void {
    this.retireAfterMs = options.retireAfterMs ?? 30_000;
    const trigger = () => {
      void this.reload().then(options.onReload);
    };
    const stop = this.setup.source.watch(trigger, {
      debounceMs: options.debounceMs ?? 100,
      pollIntervalMs: options.pollIntervalMs ?? 30_000,
    });
    const sighup = options.sighup !== false;
    if (sighup) process.on("SIGHUP", trigger);
    this.stopWatching = () => {
      stop();
      if (sighup) process.removeListener("SIGHUP", trigger);
    };
  }

  status(): ManifestStatus {
    return {
      source: this.setup.source.location,
      version: this.assay.version,
      manifestVersion: this.assay.manifestVersion,
      loadedAt: this.loadedAt,
      watching: this.stopWatching !== undefined,
      ...(this.rejected === undefined ? {} : { rejected: this.rejected }),
    };
  }

  /** Reads the source again and swaps in what it holds if it changed and is valid. */
  reload(): Promise<ReloadResult> {
    if (this.queued !== undefined) return this.queued;
    const next = this.running.then(() => {
      this.queued = undefined;
      return this.reloadOnce();
    });
    this.queued = next;
    this.running = next.catch(() => undefined);
    return next;
  }

  /** Stops watching and closes the versions swapped out, at once. The client closes the serving one. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatching?.();
    this.stopWatching = undefined;
    await this.running;
    await Promise.all([...this.retiring.keys()].map((generation) => this.retire(generation)));
  }

  private async reloadOnce(): Promise<ReloadResult> {
    if (this.stopped) return { status: "unchanged", manifestVersion: this.assay.manifestVersion };
    const started = performance.now();
    let read: Awaited<ReturnType<ManifestSource["read"]>>;
    try {
      read = await this.setup.source.read();
    } catch (error) {
      return this.refuse(error, undefined);
    }
    const current = this.assay.manifestVersion;
    if (read === "unchanged") return { status: "unchanged", manifestVersion: current };
    const manifestVersion = manifestVersionOf(read.text);
    if (manifestVersion === current) {
      this.rejected = undefined; // an edit reverted to the serving text
      return { status: "unchanged", manifestVersion };
    }
    let manifest: Manifest;
    try {
      manifest = this.setup.source.parse(read.text, this.setup.env);
    } catch (error) {
      return this.refuse(error, manifestVersion);
    }
    const version = this.assay.version + 1;
    let sticky: StickyAssignments | undefined;
    let generation: AssayGeneration;
    try {
      const plugins = await loadPlugins(manifest);
      this.sameEventStore(manifest, plugins);
      const container = buildContainer(manifest, plugins, { store: this.setup.store });
      sticky = stickyAssignments(manifest, this.setup.store, this.setup.context.onError, this.setup.sticky);
      await sticky?.load();
      generation = await buildGeneration(
        manifest,
        plugins,
        pluginResolver(container),
        sticky,
        { version, manifestVersion },
        this.setup.context,
      );
    } catch (error) {
      await sticky?.close().catch(() => undefined);
      return this.refuse(error, manifestVersion);
    }
    if (this.stopped) {
      await closeGeneration(generation);
      return { status: "unchanged", manifestVersion: current };
    }
    // No await from here to the swap: assignments made meanwhile by the old version are carried over.
    carryStickyAssignments(this.manifest, manifest, this.assay.current().sticky, sticky);
    const previous = this.assay.swap(generation);
    this.manifest = manifest;
    this.loadedAt = new Date();
    this.rejected = undefined;
    const timer = setTimeout(() => void this.retire(previous), this.retireAfterMs);
    timer.unref?.();
    this.retiring.set(previous, timer);
    return {
      status: "swapped",
      version,
      manifestVersion,
      previous: previous.manifestVersion,
      durationMs: performance.now() - started,
    };
  }

  private refuse(error: unknown, manifestVersion: string | undefined): ReloadResult {
    const errors = isManifestError(error)
      ? error.issues.map(formatIssue)
      : [error instanceof Error ? error.message : String(error)];
    this.rejected = {
      ...(manifestVersion === undefined ? {} : { manifestVersion }),
      at: new Date(),
      errors,
    };
    this.setup.context.onError(error, "(manifest)");
    return {
      status: "rejected",
      ...(manifestVersion === undefined ? {} : { manifestVersion }),
      errors,
      error,
    };
  }

  /**
   * The event store is opened once, at createAssay: a reload that names another store (or other options for
   * it) is refused, since switching stores under running exposures needs a restart.
   */
  private sameEventStore(manifest: Manifest, plugins: readonly LoadedPlugin[]): void {
    if (this.setup.storeKey === undefined || eventStoreKey(plugins) === this.setup.storeKey) return;
    const entry = plugins.find((p) => p.roles.includes("events"))?.entry;
    throw new ManifestError([
      issueAt(
        manifest,
        entry === undefined ? ["plugins"] : [...entry.path, "source"],
        "the event store changed: a running client keeps the store it opened; restart to use another",
        "key",
      ),
    ]);
  }

  private async retire(generation: AssayGeneration): Promise<void> {
    const timer = this.retiring.get(generation);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.retiring.delete(generation);
    try {
      await flushGeneration(generation);
      await closeGeneration(generation);
    } catch (error) {
      this.setup.context.onError(error, "(manifest)");
    }
  }
}

/** Copies the old map's assignments of each experiment sticky at the same version in both into the new one. */
function carryStickyAssignments(
  before: Manifest,
  after: Manifest,
  from: StickyAssignments | undefined,
  to: StickyAssignments | undefined,
): void {
  if (from === undefined || to === undefined) return;
  const versions = new Map(
    before.plugins.flatMap((p) => p.experiments.flatMap((e) => (e.sticky ? [[e.id, e.sticky.version]] : []))),
  );
  for (const experiment of after.plugins.flatMap((p) => p.experiments)) {
    if (experiment.sticky === undefined || versions.get(experiment.id) !== experiment.sticky.version)
      continue;
    const target = to.mapOf(experiment.id);
    for (const [unit, variant] of from.mapOf(experiment.id)) if (!target.has(unit)) target.set(unit, variant);
  }
}
