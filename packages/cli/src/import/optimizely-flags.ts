import type { OptimizelyGroup, OptimizelyPrior } from "@assay/core";
import { type ImportedExperiment, isObject, quote } from "./imported.js";
import {
  type Experiment,
  isExperiment,
  randomGroup,
  servedRanges,
  servesEveryone,
} from "./optimizely-allocation.js";
import { audiencesById, excludableAudiences, translateOptimizelyAudiences } from "./optimizely-audience.js";

/**
 * What `decide` adds to an experiment that belongs to a flag: the SDK walks the flag's `experimentIds` in order
 * and serves the first that gives the unit a variation, then the rollout's delivery rules. `getVariation` and
 * `activate` look at one experiment alone, which is what a manifest experiment is.
 */
export interface FlagContext {
  /** The NOT reproduced lines of an experiment (by id) that `decide` reaches only after others. */
  experimentNotes(experimentId: string): string[];
}

type Flag = { key: string; experimentIds: string[]; rolloutId: string };

function flagsOf(datafile: Record<string, unknown>): Flag[] {
  const flags = Array.isArray(datafile.featureFlags) ? datafile.featureFlags : [];
  return flags.flatMap((f) =>
    isObject(f) && typeof f.key === "string"
      ? [
          {
            key: f.key,
            experimentIds: Array.isArray(f.experimentIds)
              ? f.experimentIds.filter((id): id is string => typeof id === "string")
              : [],
            rolloutId: typeof f.rolloutId === "string" ? f.rolloutId : "",
          },
        ]
      : [],
  );
}

/** Experiment id -> key, top level and in groups (what a flag's `experimentIds` name). */
function experimentKeys(datafile: Record<string, unknown>): Map<string, string> {
  const keys = new Map<string, string>();
  const add = (list: unknown) => {
    for (const e of Array.isArray(list) ? list : []) if (isExperiment(e)) keys.set(e.id, e.key);
  };
  add(datafile.experiments);
  for (const g of Array.isArray(datafile.groups) ? datafile.groups : []) if (isObject(g)) add(g.experiments);
  return keys;
}

/** Every experiment of the datafile by id, with the random group it is in. */
function experimentsById(
  datafile: Record<string, unknown>,
): Map<string, { experiment: Experiment; group: OptimizelyGroup | undefined }> {
  const out = new Map<string, { experiment: Experiment; group: OptimizelyGroup | undefined }>();
  for (const e of Array.isArray(datafile.experiments) ? datafile.experiments : [])
    if (isExperiment(e)) out.set(e.id, { experiment: e, group: undefined });
  (Array.isArray(datafile.groups) ? datafile.groups : []).forEach((g, i) => {
    if (!isObject(g) || !Array.isArray(g.experiments)) return;
    let group: OptimizelyGroup | undefined;
    if (g.policy === "random") {
      try {
        group = randomGroup(g, `groups[${i}]`);
      } catch {
        return; // the experiment's own translation reports it
      }
    }
    for (const e of g.experiments) if (isExperiment(e)) out.set(e.id, { experiment: e, group });
  });
  return out;
}

/** Whether an experiment targets everyone: no `audienceConditions` (or an empty one) and no `audienceIds`. */
function targetsEveryone(experiment: Experiment): boolean {
  const tree =
    experiment.audienceConditions !== undefined ? experiment.audienceConditions : experiment.audienceIds;
  if (tree === undefined) return true;
  if (!Array.isArray(tree)) return false;
  const [first, ...rest] = tree;
  return (first === "and" || first === "or" ? rest : tree).length === 0;
}

/**
 * A flag experiment as a prior of the flag's delivery rules (`hashing.after`), or why it cannot be one (audiences
 * beyond what targeting rules express, CMAB). A paused experiment serves nobody.
 */
function priorOf(
  entry: { experiment: Experiment; group: OptimizelyGroup | undefined },
  variations: ReadonlySet<string>,
  audiences: ReadonlyMap<string, unknown>,
): { prior: OptimizelyPrior | null } | { reason: string } {
  const e = entry.experiment;
  if (e.status !== "Running") return { prior: null };
  if (isObject(e.cmab)) return { reason: "a CMAB experiment" };
  let audience: OptimizelyPrior["audience"];
  if (!targetsEveryone(e)) {
    const translated = translateOptimizelyAudiences(e, audiences);
    if (!translated.ok)
      return { reason: `audiences ${quote(e.audienceConditions ?? e.audienceIds)}: ${translated.reason}` };
    audience = { include: translated.include, exclude: translated.exclude };
  }
  const keys = new Set(
    e.variations.flatMap((v) => (isObject(v) && typeof v.key === "string" ? [v.key] : [])),
  );
  const allowlist = isObject(e.forcedVariations)
    ? Object.entries(e.forcedVariations)
        .filter(([, key]) => typeof key === "string" && keys.has(key))
        .map(([user]) => user)
    : [];
  return {
    prior: {
      experiment: e.id,
      served: servedRanges(e, variations),
      ...(entry.group === undefined ? {} : { group: entry.group }),
      ...(allowlist.length > 0 ? { allowlist } : {}),
      ...(audience === undefined ? {} : { audience }),
    },
  };
}

/** The running holdouts: `decide` serves their variation before a flag's rules, to the units they take. */
function holdoutNote(datafile: Record<string, unknown>): string[] {
  const holdouts = (Array.isArray(datafile.holdouts) ? datafile.holdouts : []).filter(
    (h) => isObject(h) && h.status === "Running",
  );
  if (holdouts.length === 0) return [];
  const keys = holdouts.map((h) => quote((h as Record<string, unknown>).key)).join(", ");
  return [
    `holdout(s) ${keys}: decide serves their holdout variation first to the units they take; here those units are bucketed as the rest`,
  ];
}

export function flagContext(datafile: Record<string, unknown>): FlagContext {
  const keys = experimentKeys(datafile);
  const holdouts = holdoutNote(datafile);
  const notes = new Map<string, string[]>();
  for (const flag of flagsOf(datafile)) {
    const known = flag.experimentIds.filter((id) => keys.has(id));
    known.forEach((id, position) => {
      const list = notes.get(id) ?? [...holdouts];
      if (position > 0) {
        const earlier = known.slice(0, position).map((e) => quote(keys.get(e)));
        list.push(
          `rule ${position + 1} of flag ${quote(flag.key)}: decide reaches it only for units that the flag's earlier experiment(s) ${earlier.join(", ")} do not serve; here they are bucketed into it too (getVariation agrees with this manifest, decide does not)`,
        );
      }
      notes.set(id, list);
    });
  }
  return { experimentNotes: (id) => [...(notes.get(id) ?? [])] };
}

/** Translates one delivery rule: the rule, where it is, its NOT reproduced lines, and the rules it excludes. */
export type RuleTranslator = (
  rule: Experiment & { readonly assayId: string },
  origin: string,
  notes: readonly string[],
  exclude: readonly string[],
  after: readonly OptimizelyPrior[],
) => ImportedExperiment;

/**
 * One experiment per delivery rule of each flag's rollout, named `flag:rule`. `decide` walks the rules in
 * order: a rule whose audience matches buckets the unit, and a unit it leaves out goes straight to the last
 * rule ("Everyone Else"); a unit no audience matches also reaches the last rule. So a rule is served only to
 * units that match none of the earlier rules' audiences, which the import writes as `exclude` rules when each
 * earlier audience is an OR of simple conditions; the last rule is also served to units an earlier rule matched
 * but left out of its traffic, which no targeting expresses unless every earlier rule serves all its traffic.
 * Units the flag's experiments serve never reach the rollout: those experiments become the rules' `after` (their
 * allowlist, group, served buckets and, when they translate, audiences).
 */
export function rolloutExperiments(
  datafile: Record<string, unknown>,
  variations: ReadonlySet<string>,
  translate: RuleTranslator,
): { experiments: ImportedExperiment[]; skipped: string[] } {
  const audiences = audiencesById(datafile);
  const byExperimentId = experimentsById(datafile);
  const holdouts = holdoutNote(datafile);
  const rollouts = Array.isArray(datafile.rollouts) ? datafile.rollouts : [];
  const byId = new Map<string, number>();
  rollouts.forEach((r, i) => {
    if (isObject(r) && typeof r.id === "string") byId.set(r.id, i);
  });
  const used = new Set<number>();
  const experiments: ImportedExperiment[] = [];
  const skipped: string[] = [];
  for (const flag of flagsOf(datafile)) {
    if (flag.rolloutId === "") continue;
    const index = byId.get(flag.rolloutId);
    if (index === undefined) {
      skipped.push(`flag ${quote(flag.key)}: rollout ${quote(flag.rolloutId)} is not in the datafile`);
      continue;
    }
    used.add(index);
    const rollout = rollouts[index] as Record<string, unknown>;
    const rules = Array.isArray(rollout.experiments) ? rollout.experiments : [];
    // the flag's experiments come first: they become the rules' `after` (with their audiences when those translate)
    const after: OptimizelyPrior[] = [];
    const unexpressed: string[] = [];
    for (const id of flag.experimentIds) {
      const entry = byExperimentId.get(id);
      if (entry === undefined) continue;
      const prior = priorOf(entry, variations, audiences);
      if ("reason" in prior) unexpressed.push(`${quote(entry.experiment.key)} (${prior.reason})`);
      else if (prior.prior !== null) after.push(prior.prior);
    }
    rules.forEach((rule, i) => {
      const origin = `rollouts[${index}].experiments[${i}]`;
      if (!isExperiment(rule)) {
        skipped.push(`${origin}: not a delivery rule with a key, an id and variations`);
        return;
      }
      const last = i === rules.length - 1;
      const notes = [...holdouts];
      if (unexpressed.length > 0)
        notes.push(
          `decide serves flag ${quote(flag.key)} from its experiment(s) ${unexpressed.join(", ")} first, whose audiences the manifest cannot express: units they serve get that experiment's variation, not this rule's; here they are bucketed into this rule too`,
        );
      const exclude: string[] = [];
      for (let j = 0; j < i; j++) {
        const earlier = rules[j];
        if (!isExperiment(earlier)) continue;
        const excluded = excludableAudiences(earlier, audiences);
        if (excluded.ok) exclude.push(...excluded.rules);
        else
          notes.push(
            `decide serves this rule only to units that earlier rule ${quote(earlier.key)} does not match; its audiences (${excluded.reason}) cannot be written as exclusions: units it matches get this rule here too`,
          );
        if (last && !servesEveryone(earlier))
          notes.push(
            `decide also serves this rule to units that earlier rule ${quote(earlier.key)} matches but leaves out of its traffic; here they are excluded`,
          );
      }
      const what = last ? "Everyone Else" : `rule ${i + 1}`;
      experiments.push(
        translate(
          { ...rule, assayId: `${flag.key}:${rule.key}` },
          `${origin} (flag ${quote(flag.key, 80)}, ${what} ${quote(rule.key, 80)})`,
          notes,
          [...new Set(exclude)],
          after,
        ),
      );
    });
  }
  rollouts.forEach((r, i) => {
    if (!used.has(i))
      skipped.push(
        `rollouts[${i}] (${quote(isObject(r) ? r.id : r)}): no flag delivers it, so decide never reads it`,
      );
  });
  return { experiments, skipped };
}
