import {
  compileTargeting,
  type ExperimentContext,
  type ExperimentDefinition,
  type ExperimentPlugin,
  makeVariant,
  type TargetingPredicate,
  type Variant,
  type VariantValue,
} from "@assay/core";
import { independentPoint, LAYER_SEED } from "@assay/hashing";
import type { StickyAssignments } from "./sticky-assignments.js";

/** Whether any variant of the experiment declares a `value`. */
export function hasValues(definition: ExperimentDefinition): boolean {
  return definition.variants.some((v) => v.value !== undefined);
}

/**
 * Whether an experiment uses anything the runtime evaluates before (or around) its backend: variant values
 * included, since a backend that does not know them gets them put on its answers here.
 */
export function needsPolicy(definition: ExperimentDefinition): boolean {
  return (
    hasValues(definition) ||
    !definition.enabled ||
    definition.targeting !== undefined ||
    (definition.forced !== undefined && Object.keys(definition.forced).length > 0) ||
    definition.sticky !== undefined ||
    definition.layer !== undefined
  );
}

const USER = 0;
const SESSION = 1;
const ATTRIBUTE = 2;

/**
 * What the runtime decides before (and around) an experiment's backend, compiled once per experiment. In
 * order: the kill switch (`enabled = false`: control for everyone, even forced units, `reason: "disabled"`);
 * forced units (`reason: "forced"`, not enrolled, so `expose` records nothing); targeting (`reason:
 * "targeting"`); the layer slot (units of the layer outside this experiment's slot: `reason: "traffic"`);
 * the stored sticky assignment (`reason: "sticky"`); then the backend (traffic, then variant), whose first
 * enrolled answer a sticky experiment stores. Every Variant is pre-built and frozen, with its variant's
 * declared `value`; a backend's answer that lacks the value (a vendor adapter's) gets it from a copy built
 * once per answer object.
 *
 * Experiments that use none of this get no policy: `assign` goes straight to the backend.
 */
export class ExperimentPolicy {
  private readonly enabled: boolean;
  private readonly unitSource: number;
  private readonly attribute: string;
  private readonly forced: ReadonlyMap<string, Variant> | undefined;
  private readonly targeting: TargetingPredicate | undefined;
  private readonly layerId: string;
  private readonly layerStart: number;
  private readonly layerEnd: number;
  private readonly hasLayer: boolean;
  private readonly sticky: Map<string, string> | undefined;
  private readonly stickyVariants: ReadonlyMap<string, Variant>;
  private readonly disabled: Variant;
  private readonly outsideTargeting: Variant;
  private readonly outsideLayer: Variant;
  /** Declared values by variant id; undefined when no variant has one. */
  private readonly values: ReadonlyMap<string, VariantValue> | undefined;
  /** A backend's value-less answer -> the same answer with its value (backends return shared objects). */
  private readonly valued = new WeakMap<Variant, Variant>();

  constructor(
    private readonly definition: ExperimentDefinition,
    private readonly book: StickyAssignments | undefined,
  ) {
    const id = definition.id;
    const control = definition.variants.find((v) => v.isControl) ?? definition.variants[0]!;
    const notEnrolled = (reason: Variant["reason"]) =>
      makeVariant(id, control.id, true, false, reason, control.value);
    this.enabled = definition.enabled;
    this.unitSource = definition.unit === "user" ? USER : definition.unit === "session" ? SESSION : ATTRIBUTE;
    this.attribute = definition.unit;
    const byId = new Map(definition.variants.map((v) => [v.id, v]));
    if (definition.forced !== undefined && Object.keys(definition.forced).length > 0) {
      const forcedVariants = new Map(
        definition.variants.map((v) => [v.id, makeVariant(id, v.id, v.isControl, false, "forced", v.value)]),
      );
      this.forced = new Map(
        Object.entries(definition.forced).flatMap(([unit, variantId]) => {
          const variant = forcedVariants.get(variantId);
          if (variant === undefined)
            throw new RangeError(`experiment ${id}: forced variant ${variantId} is not declared`);
          return [[unit, variant] as const];
        }),
      );
    }
    this.targeting = definition.targeting === undefined ? undefined : compileTargeting(definition.targeting);
    this.hasLayer = definition.layer !== undefined;
    this.layerId = definition.layer?.id ?? "";
    this.layerStart = definition.layer?.start ?? 0;
    this.layerEnd = definition.layer?.end ?? 1;
    if (definition.sticky !== undefined) {
      if (book === undefined)
        throw new RangeError(`experiment ${id} is sticky but no sticky store was given`);
      this.sticky = book.mapOf(id);
    }
    this.stickyVariants = new Map(
      [...byId.values()].map((v) => [v.id, makeVariant(id, v.id, v.isControl, true, "sticky", v.value)]),
    );
    this.disabled = notEnrolled("disabled");
    this.outsideTargeting = notEnrolled("targeting");
    this.outsideLayer = notEnrolled("traffic");
    this.values = hasValues(definition)
      ? new Map(definition.variants.flatMap((v) => (v.value === undefined ? [] : [[v.id, v.value] as const])))
      : undefined;
  }

  assign(plugin: ExperimentPlugin, experiment: string, ctx: ExperimentContext): Variant {
    // A context that is not an object: the backend throws its INVALID_CONTEXT.
    if (typeof ctx !== "object" || ctx === null) return plugin.assign(experiment, ctx);
    if (!this.enabled) return this.disabled;
    const unit = this.unitOf(ctx);
    if (this.forced !== undefined && unit !== undefined) {
      const forced = this.forced.get(unit);
      if (forced !== undefined) return forced;
    }
    if (this.targeting !== undefined && !this.targeting(ctx)) return this.outsideTargeting;
    // No usable unit: the backend answers (anonymous, or INVALID_CONTEXT for a bad one).
    if (unit === undefined || unit.length === 0) return this.withValue(plugin.assign(experiment, ctx));
    if (this.hasLayer) {
      const point = independentPoint(this.layerId, unit, LAYER_SEED);
      if (point < this.layerStart || point >= this.layerEnd) return this.outsideLayer;
    }
    const sticky = this.sticky;
    if (sticky !== undefined) {
      const stored = sticky.get(unit);
      if (stored !== undefined) {
        const variant = this.stickyVariants.get(stored);
        // A variant removed since: assign afresh (and store the new answer).
        if (variant !== undefined) return variant;
      }
    }
    const variant = this.withValue(plugin.assign(experiment, ctx));
    if (sticky !== undefined && variant.inExperiment)
      this.book!.remember(this.definition.id, unit, variant.variantId);
    return variant;
  }

  /** `variant` with its declared value: itself when it has it (or none is declared), else a cached copy. */
  private withValue(variant: Variant): Variant {
    const values = this.values;
    if (values === undefined || variant.value !== undefined) return variant;
    const value = values.get(variant.variantId);
    if (value === undefined) return variant;
    let copy = this.valued.get(variant);
    if (copy === undefined) {
      copy = makeVariant(
        variant.experiment,
        variant.variantId,
        variant.isControl,
        variant.inExperiment,
        variant.reason,
        value,
      );
      this.valued.set(variant, copy);
    }
    return copy;
  }

  /** The unit id of `ctx` for this experiment, or undefined when absent or not a string. */
  private unitOf(ctx: ExperimentContext): string | undefined {
    let unit: unknown;
    if (this.unitSource === USER) unit = ctx.userId;
    else if (this.unitSource === SESSION) unit = ctx.sessionId;
    else unit = (ctx.attributes as Readonly<Record<string, unknown>> | undefined)?.[this.attribute];
    return typeof unit === "string" ? unit : undefined;
  }
}
