import type { VariantDefinition } from "@assay/core";
import { type ExperimentPlan, type PlanMetric, resolvePlan, StatsInputError } from "@assay/stats";
import type { ManifestPath } from "../path.js";
import type { AnalysisSettings } from "./analysis-schema.js";
import { type CheckContext, INVALID, type Invalid } from "./check.js";

/** Plan settings whose TOML key is not their camelCase name. */
const TOML_KEYS: Readonly<Record<string, string>> = {
  minimumSample: "minimum_sample",
  guardrailAlpha: "guardrail_alpha",
  srmThreshold: "srm_threshold",
};

/**
 * The experiment's analysis plan: the manifest's settings plus `control` and `weights` from its variants,
 * checked by the statistics engine's own `resolvePlan` and returned with every default written out, as
 * `evaluate` of @assay/stats takes it. Anything the engine rejects that the schema let through is reported
 * at the key it comes from (`experimentPath` is the experiment's table).
 */
export function analysisPlan(
  settings: AnalysisSettings,
  variants: readonly VariantDefinition[],
  experimentPath: ManifestPath,
  ctx: CheckContext,
): ExperimentPlan | Invalid {
  const control = variants.find((v) => v.isControl)?.id;
  // No control was reported by controlRule, where the variants are.
  if (control === undefined) return INVALID;
  const weights = Object.fromEntries(variants.map((v) => [v.id, v.weight]));
  let resolved: ReturnType<typeof resolvePlan>;
  try {
    resolved = resolvePlan({ ...settings, control, weights });
  } catch (error) {
    if (!(error instanceof StatsInputError)) throw error;
    const prefix = `${error.field}: `;
    const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    ctx.report(manifestPathOf(error.field, experimentPath), message);
    return INVALID;
  }
  const listed = (role: string, margin: boolean): PlanMetric[] =>
    resolved.metrics
      .filter((m) => m.role === role)
      .map((m) =>
        Object.freeze({
          metric: m.metric,
          ...(m.outcome === m.metric ? {} : { outcome: m.outcome }),
          ...(m.type === undefined ? {} : { type: m.type }),
          ...(m.ratio === undefined ? {} : { ratio: m.ratio }),
          ...(m.capping === undefined ? {} : { capping: m.capping }),
          ...(m.windowMs === undefined ? {} : { windowMs: m.windowMs }),
          ...(m.cuped === undefined ? {} : { cuped: m.cuped }),
          ...(m.quantile === undefined
            ? {}
            : {
                quantile: Object.freeze({
                  probability: m.quantile.probability,
                  ...(m.quantile.ignoreZeros ? { ignoreZeros: true } : {}),
                }),
              }),
          direction: m.direction,
          scale: m.scale,
          ...(margin ? { margin: m.margin } : {}),
        }),
      );
  return Object.freeze({
    control: resolved.control,
    primary: Object.freeze(listed("primary", false)),
    secondary: Object.freeze(listed("secondary", false)),
    guardrails: Object.freeze(listed("guardrail", true)),
    alpha: resolved.alpha,
    correction: resolved.correction,
    ...(resolved.sequentialTuning === undefined
      ? {}
      : { sequential: Object.freeze({ tuning: resolved.sequentialTuning }) }),
    ...(resolved.minimumSample === undefined ? {} : { minimumSample: resolved.minimumSample }),
    weights: Object.freeze(weights),
    guardrailAlpha: resolved.guardrailAlpha,
    srmThreshold: resolved.srmThreshold,
  });
}

/**
 * The manifest path of a `resolvePlan` field: `plan.primary[0].direction` is
 * `[...experiment, "analysis", "primary", 0, "direction"]`; `control` and `weights` come from `variants`.
 */
export function manifestPathOf(field: string, experimentPath: ManifestPath): ManifestPath {
  const segments: Array<string | number> = [];
  for (const match of field.replace(/^plan/, "").matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] === undefined ? (match[1] ?? "") : Number(match[2]));
  }
  const [head, ...rest] = segments;
  if (head === undefined) return [...experimentPath, "analysis"];
  if (head === "control" || head === "weights") return [...experimentPath, "variants"];
  const key = typeof head === "string" ? (TOML_KEYS[head] ?? head) : head;
  return [...experimentPath, "analysis", key, ...rest];
}
