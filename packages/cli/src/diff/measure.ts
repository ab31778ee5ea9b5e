import type { ExperimentEntry, Manifest } from "@assay/config";
import {
  DEFAULT_ENVIRONMENT,
  type ExperimentContext,
  type ExperimentDefinition,
  MemoryEventStore,
  type StickyAssignment,
} from "@assay/core";
import { type Assay, createAssay } from "@assay/runtime";

/** Where a unit stands in one experiment under one manifest: a variant id when enrolled, else null. */
type Standing = string | null;

/** What happened to the units of one experiment between the two manifests, counted over the population. */
export interface ExperimentMovement {
  /** Units enrolled under the old manifest. */
  readonly enrolledBefore: number;
  /** Units enrolled under the new manifest. */
  readonly enrolledAfter: number;
  /** Enrolled under both, in the same variant. */
  readonly stay: number;
  /** Enrolled under both, in another variant. */
  readonly move: number;
  /** Not enrolled before, enrolled now. */
  readonly enter: number;
  /** Enrolled before, not enrolled now. */
  readonly leave: number;
  /** Counts by `from → to` (variant ids; `out` for not enrolled), only for units whose standing changed. */
  readonly transitions: Readonly<Record<string, number>>;
}

/** The movement of one experiment as the new manifest declares it, and as it would be were it sticky. */
export interface ExperimentMeasure {
  readonly declared: ExperimentMovement;
  /** Had the experiment kept every enrolled unit's old variant (`sticky = true`, same version). */
  readonly sticky: ExperimentMovement;
}

/** What happened to the units of one flag. */
export interface FlagMovement {
  readonly onBefore: number;
  readonly onAfter: number;
  readonly turnedOn: number;
  readonly turnedOff: number;
  /** On under both with another value (string flags). */
  readonly valueChanged: number;
}

export interface Measures {
  readonly experiments: ReadonlyMap<string, ExperimentMeasure>;
  readonly flags: ReadonlyMap<string, FlagMovement>;
}

/** A sticky version for the "had it been sticky" manifest and its seeded store. */
const HYPOTHETICAL_VERSION = 1;

/**
 * Assigns every id under both manifests through the runtime's own client (kill switch, forced units,
 * targeting, layers, sticky, then the backend), on memory stores that record nothing, and counts who stays,
 * moves, enters and leaves per experiment present in both manifests, and who turns on or off per flag.
 *
 * Sticky is replayed, not assumed: the new manifest's client gets a store seeded with every unit's old
 * enrolled variant when the experiment is sticky in both at the same version (what its production store
 * would hold), and a third client, with every shared experiment made sticky, shows what sticky would keep.
 * Each id is the unit of every experiment (user id, session id and any attribute unit); `attributes` are
 * given to every unit for targeting.
 */
export async function measure(
  before: Manifest,
  after: Manifest,
  ids: readonly string[],
  attributes: Readonly<Record<string, string>>,
): Promise<Measures> {
  const oldExperiments = experimentsOf(before);
  const newExperiments = experimentsOf(after);
  const shared = [...newExperiments.keys()].filter((id) => oldExperiments.has(id));
  const contexts = ids.map((id) =>
    contextFor(id, attributes, [...oldExperiments.values(), ...newExperiments.values()]),
  );

  const oldAssay = await memoryAssay(before, []);
  let oldStanding: Map<string, Standing[]>;
  let oldFlags: Map<string, string[]>;
  try {
    oldStanding = standings(oldAssay, shared, contexts);
    oldFlags = flagValues(oldAssay, contexts);
  } finally {
    await oldAssay.close();
  }

  const replayed = shared.filter((id) => {
    const o = oldExperiments.get(id)!.sticky;
    const n = newExperiments.get(id)!.sticky;
    return o !== undefined && n !== undefined && o.version === n.version;
  });
  const declared = await memoryAssay(
    after,
    stickyRows(replayed, (id) => newExperiments.get(id)!.sticky!.version, ids, oldStanding),
  );
  const stickyAfter = withStickyExperiments(after, new Set(shared));
  const hypothetical = await memoryAssay(
    stickyAfter,
    stickyRows(shared, () => HYPOTHETICAL_VERSION, ids, oldStanding),
  );
  try {
    const declaredStanding = standings(declared, shared, contexts);
    const stickyStanding = standings(hypothetical, shared, contexts);
    const experiments = new Map<string, ExperimentMeasure>();
    for (const id of shared) {
      experiments.set(id, {
        declared: movement(oldStanding.get(id)!, declaredStanding.get(id)!),
        sticky: movement(oldStanding.get(id)!, stickyStanding.get(id)!),
      });
    }
    const newFlags = flagValues(declared, contexts);
    const flags = new Map<string, FlagMovement>();
    for (const [key, values] of newFlags) {
      const old = oldFlags.get(key);
      if (old !== undefined) flags.set(key, flagMovement(old, values));
    }
    return { experiments, flags };
  } finally {
    await declared.close();
    await hypothetical.close();
  }
}

function experimentsOf(manifest: Manifest): Map<string, ExperimentEntry> {
  return new Map(manifest.plugins.flatMap((p) => p.experiments.map((e) => [e.id, e] as const)));
}

/** One context that is the unit `id` of every experiment, whatever its unit. */
function contextFor(
  id: string,
  attributes: Readonly<Record<string, string>>,
  experiments: readonly ExperimentDefinition[],
): ExperimentContext {
  const own: Record<string, string> = { ...attributes };
  for (const e of experiments) if (e.unit !== "user" && e.unit !== "session") own[e.unit] = id;
  return { userId: id, sessionId: id, attributes: own };
}

/** A client of `manifest` over a memory store holding `sticky`, with no signal handlers and no refresh. */
async function memoryAssay(manifest: Manifest, sticky: readonly Omit<StickyAssignment, "assignedAt">[]) {
  const store = new MemoryEventStore();
  // the rows are this manifest's environment's (the client loads only those)
  const environment = manifest.environment ?? DEFAULT_ENVIRONMENT;
  if (sticky.length > 0) await store.saveStickyAssignments(sticky.map((row) => ({ ...row, environment })));
  return createAssay({ manifest, store, handleSignals: false, tracing: false, sticky: { refreshMs: 0 } });
}

function standings(
  assay: Assay,
  experiments: readonly string[],
  contexts: readonly ExperimentContext[],
): Map<string, Standing[]> {
  const result = new Map<string, Standing[]>();
  for (const experiment of experiments) {
    const row: Standing[] = new Array(contexts.length);
    for (let i = 0; i < contexts.length; i++) {
      const variant = assay.assign(experiment, contexts[i]!);
      row[i] = variant.inExperiment ? variant.variantId : null;
    }
    result.set(experiment, row);
  }
  return result;
}

/** Each flag's value per unit: "on"/"off" for a boolean flag, the served value (or "off") for a string flag. */
function flagValues(assay: Assay, contexts: readonly ExperimentContext[]): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const key of assay.flags.keys()) {
    const isString = assay.flags.definition(key)?.variants !== undefined;
    result.set(
      key,
      contexts.map((ctx) =>
        !assay.flags.isEnabled(key, ctx) ? OFF : isString ? `=${assay.flags.variant(key, ctx, "")}` : "on",
      ),
    );
  }
  return result;
}

const OFF = "off";

/** The rows a store would keep: every unit's old enrolled variant of each experiment. */
function stickyRows(
  experiments: readonly string[],
  version: (experiment: string) => number,
  ids: readonly string[],
  oldStanding: ReadonlyMap<string, readonly Standing[]>,
): Omit<StickyAssignment, "assignedAt">[] {
  const rows: Omit<StickyAssignment, "assignedAt">[] = [];
  for (const experiment of experiments) {
    const standing = oldStanding.get(experiment)!;
    const v = version(experiment);
    for (let i = 0; i < ids.length; i++) {
      const variantId = standing[i];
      if (variantId !== null && variantId !== undefined)
        rows.push({ experiment, version: v, unit: ids[i]!, variantId });
    }
  }
  return rows;
}

/** `manifest` with the given experiments sticky at HYPOTHETICAL_VERSION. */
function withStickyExperiments(manifest: Manifest, ids: ReadonlySet<string>): Manifest {
  return {
    ...manifest,
    plugins: manifest.plugins.map((plugin) => ({
      ...plugin,
      experiments: plugin.experiments.map((e) =>
        ids.has(e.id) ? { ...e, sticky: { version: HYPOTHETICAL_VERSION } } : e,
      ),
    })),
  };
}

function movement(before: readonly Standing[], after: readonly Standing[]): ExperimentMovement {
  let enrolledBefore = 0;
  let enrolledAfter = 0;
  let stay = 0;
  let move = 0;
  let enter = 0;
  let leave = 0;
  const transitions: Record<string, number> = {};
  for (let i = 0; i < before.length; i++) {
    const from = before[i] ?? null;
    const to = after[i] ?? null;
    if (from !== null) enrolledBefore++;
    if (to !== null) enrolledAfter++;
    if (from === to) {
      if (from !== null) stay++;
      continue;
    }
    if (from === null) enter++;
    else if (to === null) leave++;
    else move++;
    const key = `${from ?? "out"} → ${to ?? "out"}`;
    transitions[key] = (transitions[key] ?? 0) + 1;
  }
  return { enrolledBefore, enrolledAfter, stay, move, enter, leave, transitions };
}

function flagMovement(before: readonly string[], after: readonly string[]): FlagMovement {
  let onBefore = 0;
  let onAfter = 0;
  let turnedOn = 0;
  let turnedOff = 0;
  let valueChanged = 0;
  for (let i = 0; i < before.length; i++) {
    const was = before[i] !== OFF;
    const is = after[i] !== OFF;
    if (was) onBefore++;
    if (is) onAfter++;
    if (!was && is) turnedOn++;
    else if (was && !is) turnedOff++;
    else if (was && is && before[i] !== after[i]) valueChanged++;
  }
  return { onBefore, onAfter, turnedOn, turnedOff, valueChanged };
}
