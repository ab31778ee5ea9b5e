import type { OptimizelyGroup, OptimizelyHashing, OptimizelyPrior, VariantDefinition } from "@assay/core";
import {
  checkExperimentCount,
  checkVariationCount,
  ImportError,
  type ImportedExperiment,
  type ImportResult,
  isObject,
  quote,
  uniqueIds,
} from "./imported.js";
import {
  type Experiment,
  isExperiment,
  randomGroup,
  type TranslatedAllocation,
  translateAllocation,
  type Variation,
} from "./optimizely-allocation.js";
import { audiencesById, translateOptimizelyAudiences } from "./optimizely-audience.js";
import { type FlagContext, flagContext, rolloutExperiments } from "./optimizely-flags.js";
import type { ImportedTargeting } from "./targeting-rules.js";

/**
 * Translates an Optimizely datafile (v4: `experiments`, `groups`, `audiences`, `featureFlags`, `rollouts`) into
 * manifest experiments in `optimizely` hashing mode: one per experiment (top level and in groups), one per
 * delivery rule of a flag's rollout. Variant ids are the variation keys (what `getVariation` and `decide`
 * return); the traffic allocation is written as `ends` or, with gaps or a variation in several ranges, as
 * `allocation`; a random group's own allocation as `group`; `forcedVariations` as the mode's `allowlist`
 * (enrolled, as Optimizely counts them), or as forced units where audiences are carried over (the runtime
 * evaluates targeting first); simple audiences become targeting rules; a paused experiment is imported with
 * `enabled = false`. What the manifest cannot express (complex audiences, the order in which `decide` walks a
 * flag's rules, holdouts, CMAB) is listed per experiment, never dropped.
 */
export function importOptimizely(datafile: unknown): ImportResult {
  if (!isObject(datafile) || !Array.isArray(datafile.experiments))
    throw new ImportError(
      "an Optimizely datafile is a JSON object with `experiments` (and `groups`, `audiences`)",
    );
  const context = datafileContext(datafile);
  const experiments: ImportedExperiment[] = [];
  const skipped: string[] = [];
  datafile.experiments.forEach((experiment, index) => {
    const origin = `experiments[${index}]`;
    if (!isExperiment(experiment))
      skipped.push(`${origin}: not an experiment with a key, an id and variations`);
    else experiments.push(translate(experiment, `${origin} (${quote(experiment.key, 80)})`, context, null));
  });
  const groups = Array.isArray(datafile.groups) ? datafile.groups : [];
  groups.forEach((group, g) => {
    if (!isObject(group) || !Array.isArray(group.experiments)) return;
    const random = group.policy === "random" ? randomGroup(group, `groups[${g}]`) : null;
    group.experiments.forEach((experiment, index) => {
      const origin = `groups[${g}].experiments[${index}]`;
      if (!isExperiment(experiment))
        skipped.push(`${origin}: not an experiment with a key, an id and variations`);
      else
        experiments.push(translate(experiment, `${origin} (${quote(experiment.key, 80)})`, context, random));
    });
  });
  const rollouts = rolloutExperiments(
    datafile,
    new Set(context.variations.keys()),
    (rule, origin, notes, exclude, after) => translateRule(rule, origin, context, notes, exclude, after),
  );
  experiments.push(...rollouts.experiments);
  skipped.push(...rollouts.skipped);
  checkExperimentCount(experiments.length);
  return { vendor: "optimizely", experiments: uniqueIds(experiments), skipped };
}

/** What every experiment's translation reads from the whole datafile. */
interface DatafileContext {
  readonly audiences: ReadonlyMap<string, unknown>;
  /** Every variation id of the datafile -> key: the SDK resolves an allocation's entity among all of them. */
  readonly variations: ReadonlyMap<string, string>;
  readonly flags: FlagContext;
}

function datafileContext(datafile: Record<string, unknown>): DatafileContext {
  const variations = new Map<string, string>();
  const add = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const e of list) {
      if (!isObject(e) || !Array.isArray(e.variations)) continue;
      for (const v of e.variations)
        if (isObject(v) && typeof v.id === "string" && typeof v.key === "string") variations.set(v.id, v.key);
    }
  };
  add(datafile.experiments);
  for (const g of Array.isArray(datafile.groups) ? datafile.groups : []) if (isObject(g)) add(g.experiments);
  for (const r of Array.isArray(datafile.rollouts) ? datafile.rollouts : [])
    if (isObject(r)) add(r.experiments);
  return { audiences: audiencesById(datafile), variations, flags: flagContext(datafile) };
}

function variationsOf(experiment: Experiment, origin: string): Variation[] {
  checkVariationCount(experiment.variations.length, origin);
  const variations: Variation[] = [];
  const keys = new Set<string>();
  experiment.variations.forEach((v, i) => {
    if (!isObject(v) || typeof v.id !== "string" || typeof v.key !== "string" || v.key === "")
      throw new ImportError(`${origin}: variations[${i}] must have a string id and key, got ${quote(v)}`);
    if (keys.has(v.key))
      throw new ImportError(`${origin}: variations[${i}]: key ${quote(v.key)} appears twice`);
    keys.add(v.key);
    variations.push({ id: v.id, key: v.key });
  });
  if (variations.length === 0) throw new ImportError(`${origin}: no variations`);
  return variations;
}

function hashingOf(
  experiment: Experiment,
  allocation: TranslatedAllocation,
  group: OptimizelyGroup | null,
): { -readonly [K in keyof OptimizelyHashing]: OptimizelyHashing[K] } {
  return {
    mode: "optimizely",
    experimentId: experiment.id,
    ...allocation.hashing,
    ...(group === null ? {} : { group }),
  };
}

function translate(
  experiment: Experiment,
  origin: string,
  context: DatafileContext,
  group: OptimizelyGroup | null,
): ImportedExperiment {
  const variations = variationsOf(experiment, origin);
  const allocation = translateAllocation(experiment, origin, variations, context.variations);
  const notes = [...allocation.notes, ...context.flags.experimentNotes(experiment.id)];
  const hashing = hashingOf(experiment, allocation, group);
  const running = experiment.status === "Running";
  if (!running)
    notes.push(
      `status ${quote(experiment.status)}: Optimizely serves no variation (imported with enabled = false)`,
    );
  if (isObject(experiment.cmab))
    notes.push("a CMAB experiment: Optimizely's decision service picks the variation, no hash reproduces it");

  let targeting: ImportedTargeting | undefined;
  const translated = translateOptimizelyAudiences(experiment, context.audiences);
  if (translated.ok) targeting = { include: translated.include, exclude: translated.exclude };
  else
    notes.push(
      `audiences ${quote(experiment.audienceConditions ?? experiment.audienceIds)} (${translated.reason}): units outside them are not in the Optimizely experiment; here everyone is bucketed`,
    );

  // a Map: variation keys come from the payload (`__proto__`, `constructor` are keys like any other)
  const allowlist = new Map<string, string[]>();
  const keys = new Set(variations.map((v) => v.key));
  if (isObject(experiment.forcedVariations)) {
    for (const [user, key] of Object.entries(experiment.forcedVariations)) {
      // the SDK ignores an entry whose variation is not one of the experiment's, and so does the import
      if (typeof key === "string" && keys.has(key)) allowlist.set(key, [...(allowlist.get(key) ?? []), user]);
    }
  }
  const targeted = targeting !== undefined && targeting.include.length + targeting.exclude.length > 0;
  let forced: Record<string, string[]> | undefined;
  if (allowlist.size > 0 && targeted) {
    // the runtime evaluates forced units before targeting, as the SDK its allowlist before audiences; the
    // hashing mode's allowlist would come after targeting and miss allowlisted units outside the audiences
    forced = Object.fromEntries(allowlist);
    const users = [...allowlist.values()].reduce((n, u) => n + u.length, 0);
    notes.push(
      `the allowlist (${users} user(s)) is served before the audiences as Optimizely does, as forced units: they get their variation but are not counted as enrolled, where Optimizely counts their impressions`,
    );
  } else if (allowlist.size > 0) hashing.allowlist = Object.fromEntries(allowlist);
  return {
    id: experiment.key,
    origin,
    variants: allocation.variants,
    unit: "user",
    traffic: allocation.traffic,
    enabled: running,
    hashing,
    ...(targeting === undefined ? {} : { targeting }),
    ...(forced === undefined ? {} : { forced }),
    notReproduced: notes,
  };
}

/** The variant that a delivery rule's Assay experiment serves units no rule delivers to (decide: the flag is off). */
const FLAG_DEFAULT = "flag-default";

/**
 * One delivery rule of a flag's rollout as an experiment: bucketed like an experiment, but the SDK checks
 * neither its status nor an allowlist. Its variations are what `decide` delivers; a placeholder control (weight 0,
 * never bucketed) stands for the flag's default, which units outside the rule get.
 */
function translateRule(
  rule: Experiment & { readonly assayId: string },
  origin: string,
  context: DatafileContext,
  notes: readonly string[],
  exclude: readonly string[],
  after: readonly OptimizelyPrior[],
): ImportedExperiment {
  const variations = variationsOf(rule, origin);
  const allocation = translateAllocation(rule, origin, variations, context.variations);
  const all = [...allocation.notes, ...notes];
  let targeting: ImportedTargeting | undefined;
  const translated = translateOptimizelyAudiences(rule, context.audiences);
  if (translated.ok) targeting = { include: translated.include, exclude: [...exclude] };
  else
    all.push(
      `audiences ${quote(rule.audienceConditions ?? rule.audienceIds)} (${translated.reason}): units outside them do not get this rule in decide; here everyone is bucketed`,
    );
  const taken = new Set(variations.map((v) => v.key));
  let placeholder = FLAG_DEFAULT;
  for (let n = 2; taken.has(placeholder); n++) placeholder = `${FLAG_DEFAULT}-${n}`;
  const variants: VariantDefinition[] = [
    { id: placeholder, weight: 0, isControl: true },
    ...allocation.variants.map((v) => ({ ...v, isControl: false })),
  ];
  const hashing = hashingOf(rule, allocation, null);
  if (hashing.ends !== undefined) hashing.ends = [0, ...hashing.ends];
  if (after.length > 0) hashing.after = after;
  return {
    id: rule.assayId,
    origin,
    variants,
    unit: "user",
    traffic: allocation.traffic,
    enabled: true,
    hashing,
    ...(targeting === undefined ? {} : { targeting }),
    notReproduced: all,
  };
}
