import { type ExperimentDefinition, makeVariant, type Variant } from "@assay/core";
import { NativeBucketer } from "@assay/hashing";
import { type ContextBucketer, unleashStrategiesBucketer } from "./unleash-strategies.js";
import { compileVendorBucketer, type VendorBucketer, type VendorModeOptions } from "./vendor-modes.js";

/** Which context field holds the unit id. Numeric so the hot path switches on a small integer. */
export const UnitSource = { User: 0, Session: 1, Attribute: 2 } as const;
export type UnitSource = (typeof UnitSource)[keyof typeof UnitSource];

/**
 * One experiment prepared for assignment: the bucketer and every Variant it can return, built and frozen
 * once, so `assign` only hashes and returns a shared object.
 */
export interface CompiledExperiment {
  readonly definition: ExperimentDefinition;
  readonly bucketer: NativeBucketer;
  /** The vendor-compatible bucketer (`hashing.mode`), or undefined for the native mode. */
  readonly vendor: VendorBucketer | undefined;
  /** A bucketer that reads the whole context (Unleash strategies); when set, `unit` is not read. */
  readonly contextual: ContextBucketer | undefined;
  readonly unitSource: UnitSource;
  /** The attribute hashed when `unitSource` is Attribute. */
  readonly attribute: string;
  readonly enabled: boolean;
  /** Enrolled variants, in declared order (index = bucket). */
  readonly enrolled: readonly Variant[];
  readonly anonymous: Variant;
  readonly outsideTraffic: Variant;
  readonly disabled: Variant;
  /** Per variant, served by a vendor override (not enrolled); built only for a contextual bucketer. */
  readonly forced: readonly Variant[];
  readonly outsideTargeting: Variant;
  readonly variantIds: ReadonlySet<string>;
}

export function compileExperiment(
  definition: ExperimentDefinition,
  options: VendorModeOptions = { baseDir: process.cwd() },
): CompiledExperiment {
  const control = definition.variants.find((v) => v.isControl) ?? definition.variants[0];
  if (control === undefined) throw new RangeError(`experiment ${definition.id} has no variants`);
  // Every Variant carries its declared value, built here once, so assign still allocates nothing.
  const notEnrolled = (reason: Variant["reason"]) =>
    makeVariant(definition.id, control.id, true, false, reason, control.value);
  const unitSource: UnitSource =
    definition.unit === "user"
      ? UnitSource.User
      : definition.unit === "session"
        ? UnitSource.Session
        : UnitSource.Attribute;
  return {
    definition,
    bucketer: new NativeBucketer({
      experiment: definition.id,
      weights: definition.variants.map((v) => v.weight),
      traffic: definition.traffic,
      ...(definition.salt !== undefined ? { salt: definition.salt } : {}),
    }),
    ...bucketers(definition, options),
    unitSource,
    attribute: unitSource === UnitSource.Attribute ? definition.unit : "",
    enabled: definition.enabled,
    enrolled: definition.variants.map((v) =>
      makeVariant(definition.id, v.id, v.isControl, true, "hash", v.value),
    ),
    anonymous: notEnrolled("anonymous"),
    outsideTraffic: notEnrolled("traffic"),
    disabled: notEnrolled("disabled"),
    forced: definition.variants.map((v) =>
      makeVariant(definition.id, v.id, v.isControl, false, "forced", v.value),
    ),
    outsideTargeting: notEnrolled("targeting"),
    variantIds: new Set(definition.variants.map((v) => v.id)),
  };
}

function bucketers(
  definition: ExperimentDefinition,
  options: VendorModeOptions,
): { vendor: VendorBucketer | undefined; contextual: ContextBucketer | undefined } {
  const hashing = definition.hashing;
  if (hashing?.mode === "unleash" && hashing.strategies !== undefined)
    return { vendor: undefined, contextual: unleashStrategiesBucketer(definition, hashing) };
  return { vendor: compileVendorBucketer(definition, options), contextual: undefined };
}
