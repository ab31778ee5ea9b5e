import type { UnleashStrategy, UnleashStrategyVariant } from "@assay/core";
import { isObject, quote } from "./imported.js";
import { ruleString } from "./targeting-rules.js";
import { translateUnleashConstraint } from "./unleash-constraints.js";

/** A payload's segments by id: their constraints, which the SDK ANDs with those of the strategies naming them. */
export type SegmentConstraints = ReadonlyMap<unknown, readonly unknown[]>;

/** One strategy translated: what the manifest writes, and what of it is not reproduced. */
export interface TranslatedStrategy {
  readonly strategy: UnleashStrategy;
  readonly notes: readonly string[];
}

/** The strategies unleash-client registers by default; others are never enabled by it (unless the app adds them). */
const NOT_REPRODUCED = new Map([
  ["remoteAddress", "enables by the request's IP address, which Assay's context does not hold"],
  ["applicationHostname", "enables by the host the SDK runs on"],
]);

/**
 * An Unleash strategy as the `unleash` mode's strategy: `default`, `flexibleRollout`, `gradualRolloutUserId`,
 * `gradualRolloutSessionId`, `gradualRolloutRandom` (random stickiness) and `userWithId` (a `userId in`
 * rule) with their rollout, group id and stickiness as the Node SDK hashes them; constraints and the
 * constraints of its segments as targeting; its variants (`variantId` names each) with their group (the SDK's
 * `groupId` as given, "undefined" when absent) and stickiness (`variants[0].stickiness || parameters.stickiness`).
 * Strategies the SDK never enables (unknown, a missing segment, a constraint nobody passes) are written with
 * `enabled = false`.
 */
export function translateStrategy(
  raw: unknown,
  position: number,
  segments: SegmentConstraints,
  variantId: (variant: Record<string, unknown>, index: number) => string,
): TranslatedStrategy {
  const notes: string[] = [];
  const at = `strategy ${position + 1}${isObject(raw) ? ` (${quote(raw.name)})` : ""}`;
  const never = (why?: string): TranslatedStrategy => {
    if (why !== undefined) notes.push(`${at} ${why} (imported with enabled = false)`);
    return {
      strategy: { enabled: false, rollout: 0, groupId: "", stickiness: "default" },
      notes,
    };
  };
  if (!isObject(raw)) return never();
  const parameters = isObject(raw.parameters) ? raw.parameters : {};
  const groupId = parameters.groupId ? String(parameters.groupId) : "";
  let rollout = 100;
  let stickiness = "default";
  const include: string[] = [];
  const exclude: string[] = [];
  switch (raw.name) {
    case "default":
      break;
    case "flexibleRollout":
      rollout = percentage(parameters.rollout);
      if (parameters.stickiness) stickiness = String(parameters.stickiness);
      break;
    case "gradualRolloutUserId":
      rollout = percentage(parameters.percentage);
      stickiness = "userId";
      break;
    case "gradualRolloutSessionId":
      rollout = percentage(parameters.percentage);
      stickiness = "sessionId";
      break;
    case "gradualRolloutRandom": {
      // enabled when percentage >= a random 1..100: below 1 nobody, from 100 everyone, else at random
      const p = percentage(parameters.percentage);
      rollout = p < 1 ? 0 : p;
      stickiness = "random";
      break;
    }
    case "userWithId": {
      const ids =
        typeof parameters.userIds === "string" && parameters.userIds
          ? parameters.userIds.split(/\s*,\s*/)
          : [];
      if (ids.length === 0) return never();
      include.push(`userId in [${ids.map(ruleString).join(", ")}]`);
      break;
    }
    default: {
      const why = NOT_REPRODUCED.get(String(raw.name));
      if (why !== undefined) return never(`${why}: not reproduced, units it enables in Unleash are not here`);
      return never(
        "is not one unleash-client knows: without it the SDK never enables the strategy; if your app registers it, units it enables are not enabled here",
      );
    }
  }
  if (stickiness === "appName" || stickiness === "environment")
    notes.push(
      `${at}: stickiness ${quote(stickiness)} is the SDK's configuration, read here from the attribute of that name`,
    );

  const constraints: unknown[] = Array.isArray(raw.constraints) ? [...raw.constraints] : [];
  if (Array.isArray(raw.segments)) {
    for (const id of raw.segments) {
      const segment = segments.get(id);
      if (segment === undefined) return never(); // the SDK yields an undefined constraint: nobody passes
      constraints.push(...segment);
    }
  }
  for (const constraint of constraints) {
    const t = translateUnleashConstraint(constraint);
    if (t.kind === "never") return never();
    if (t.kind === "untranslatable")
      notes.push(
        `${at}: constraint ${t.reason} not reproduced; taken as holding, so units it keeps out in Unleash are enabled here`,
      );
    else if (t.kind === "rules") {
      include.push(...t.include);
      exclude.push(...t.exclude);
    }
  }

  const rawVariants = Array.isArray(raw.variants) ? raw.variants.filter(isObject) : [];
  const variants: UnleashStrategyVariant[] = rawVariants.map((v, i) => {
    const id = variantId(v, i);
    const weight = wholeWeight(v.weight);
    if (weight !== v.weight)
      notes.push(
        `${at}: variant ${quote(id)} weight ${quote(v.weight)} is not a whole number (imported as 0)`,
      );
    const overrides = overridesOf(v.overrides, `${at}: variant ${quote(id)}`, notes);
    return { id, weight, ...(overrides.length > 0 ? { overrides } : {}) };
  });
  const firstStickiness = rawVariants[0]?.stickiness || parameters.stickiness;
  const strategy: UnleashStrategy = {
    enabled: true,
    rollout,
    groupId,
    stickiness,
    ...(include.length + exclude.length > 0 ? { targeting: { include, exclude } } : {}),
    ...(variants.length > 0
      ? {
          variants,
          // `${parameters.groupId}`: undefined hashes as "undefined"
          variantGroupId: String(parameters.groupId),
          variantStickiness: firstStickiness ? String(firstStickiness) : "default",
        }
      : {}),
  };
  return { strategy, notes };
}

/** A rollout percentage as the SDK reads it (`Number(...)`), clamped to 0..100; NaN enables nobody (0). */
function percentage(value: unknown): number {
  const n = Number(value);
  if (Number.isNaN(n) || n <= 0) return 0;
  return Math.min(100, n);
}

/** A variant weight that adds up as a number in the SDK: a whole number >= 0, else 0. */
export function wholeWeight(value: unknown): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : 0;
}

/** Variant overrides (`{ contextName, values }`) as the mode's `{ field, values }`; malformed ones are listed. */
export function overridesOf(
  raw: unknown,
  at: string,
  notes: string[],
): { readonly field: string; readonly values: readonly string[] }[] {
  if (!Array.isArray(raw)) return [];
  const out: { field: string; values: string[] }[] = [];
  for (const o of raw) {
    if (
      isObject(o) &&
      typeof o.contextName === "string" &&
      o.contextName.trim() !== "" &&
      Array.isArray(o.values) &&
      o.values.every((v) => typeof v === "string")
    )
      out.push({ field: o.contextName, values: o.values as string[] });
    else notes.push(`${at} override ${quote(o, 80)} is not one the mode reads: not reproduced`);
  }
  return out;
}
