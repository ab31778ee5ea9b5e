import type { ExperimentDefinition, FlagDefinition } from "@assay/core";

/** One difference between the old and the new declaration of an experiment or a flag. */
export interface DefinitionChange {
  /** The manifest key that changed: `weights`, `salt`, `variants`, `traffic`, ... */
  readonly key: string;
  /** What changed, for people: `weights 90/10 → 50/50`. */
  readonly summary: string;
  /**
   * True when the change re-randomizes units (a new salt, variants added or removed or reordered, another
   * unit or hashing): who gets what is drawn afresh, so it needs a new phase. False when it keeps the hash
   * (weights, traffic, targeting, ...): only the units at the moved boundaries change.
   */
  readonly rerandomizes: boolean;
}

const weightsOf = (e: ExperimentDefinition) => e.variants.map((v) => formatNumber(v.weight)).join("/");
const idsOf = (e: ExperimentDefinition) => e.variants.map((v) => v.id);

/** What differs between two declarations of one experiment, in the order the manifest reads its keys. */
export function experimentChanges(
  before: ExperimentDefinition,
  after: ExperimentDefinition,
): DefinitionChange[] {
  const changes: DefinitionChange[] = [];
  const add = (key: string, summary: string, rerandomizes: boolean) =>
    changes.push({ key, summary, rerandomizes });
  const oldIds = idsOf(before);
  const newIds = idsOf(after);
  const added = newIds.filter((id) => !oldIds.includes(id));
  const removed = oldIds.filter((id) => !newIds.includes(id));
  if (added.length > 0) add("variants", `variants added: ${added.join(", ")}`, true);
  if (removed.length > 0) add("variants", `variants removed: ${removed.join(", ")}`, true);
  const kept = oldIds.filter((id) => newIds.includes(id));
  if (added.length === 0 && removed.length === 0 && kept.join("\u0000") !== newIds.join("\u0000")) {
    add("variants", `variants reordered: ${oldIds.join(", ")} → ${newIds.join(", ")}`, true);
  }
  if (weightsOf(before) !== weightsOf(after)) {
    add("weights", `weights ${weightsOf(before)} → ${weightsOf(after)}`, false);
  }
  const control = (e: ExperimentDefinition) => e.variants.find((v) => v.isControl)?.id;
  if (control(before) !== control(after)) {
    add("is_control", `control ${control(before)} → ${control(after)}`, false);
  }
  if (before.salt !== after.salt) {
    add("salt", `salt ${show(before.salt)} → ${show(after.salt)}`, true);
  }
  if (before.unit !== after.unit) add("unit", `unit ${before.unit} → ${after.unit}`, true);
  if (json(before.hashing) !== json(after.hashing)) {
    add("hashing", `hashing ${json(before.hashing) ?? "native"} → ${json(after.hashing) ?? "native"}`, true);
  }
  if (before.traffic !== after.traffic) {
    add("traffic", `traffic ${percent(before.traffic)} → ${percent(after.traffic)}`, false);
  }
  if (before.enabled !== after.enabled) {
    add("enabled", after.enabled ? "switched on" : "switched off (enabled = false)", false);
  }
  if (json(before.targeting) !== json(after.targeting)) add("targeting", "targeting changed", false);
  if (json(before.forced) !== json(after.forced)) add("forced", "forced units changed", false);
  if (json(before.layer) !== json(after.layer)) {
    add("layer", `layer slot ${slot(before)} → ${slot(after)}`, false);
  }
  if ((before.sticky === undefined) !== (after.sticky === undefined)) {
    add("sticky", after.sticky === undefined ? "sticky switched off" : "sticky switched on", false);
  }
  if (phaseOf(before) !== phaseOf(after)) {
    add("version", `phase ${phaseOf(before)} → ${phaseOf(after)}`, false);
  }
  return changes;
}

/** What differs between two declarations of one flag. */
export function flagChanges(before: FlagDefinition, after: FlagDefinition): DefinitionChange[] {
  const changes: DefinitionChange[] = [];
  const add = (key: string, summary: string, rerandomizes: boolean) =>
    changes.push({ key, summary, rerandomizes });
  if (before.rollout !== after.rollout) {
    add("rollout", `rollout ${percent(before.rollout)} → ${percent(after.rollout)}`, false);
  }
  if (before.enabled !== after.enabled) {
    add("enabled", after.enabled ? "switched on" : "switched off (enabled = false)", false);
  }
  if (before.salt !== after.salt) add("salt", `salt ${show(before.salt)} → ${show(after.salt)}`, true);
  if (before.unit !== after.unit) add("unit", `unit ${before.unit} → ${after.unit}`, true);
  if (json(before.variants) !== json(after.variants))
    add("variants", "values or their weights changed", false);
  if (before.off !== after.off) add("off", `off value ${show(before.off)} → ${show(after.off)}`, false);
  if (json(before.targeting) !== json(after.targeting)) add("targeting", "targeting changed", false);
  return changes;
}

/** The experiment's phase: its `version`, 1 when not written. */
export function phaseOf(definition: ExperimentDefinition): number {
  return definition.phase ?? 1;
}

function json(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

function show(value: string | undefined): string {
  return value === undefined ? "(none)" : JSON.stringify(value);
}

function slot(definition: ExperimentDefinition): string {
  const layer = definition.layer;
  return layer === undefined ? "(none)" : `${layer.id} [${layer.start}, ${layer.end})`;
}

/** `0.25` -> `25 %`. */
export function percent(share: number): string {
  return `${formatNumber(Math.round(share * 1e4) / 100)} %`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}
