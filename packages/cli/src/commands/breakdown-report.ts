import type { ExperimentDefinition } from "@assay/core";
import type { BreakdownReport } from "@assay/stats";
import { CliError, EXIT } from "../exit-codes.js";
import { formatEffect, formatMean, formatP } from "./report.js";
import { table } from "./table.js";

/**
 * `--by NAME`: the dimension to cut the report by, which the experiment must declare (`dimensions = [...]`
 * in the manifest, or the top-level default), since only declared dimensions are recorded with exposures.
 * Throws a usage error naming the flag and the declared dimensions otherwise.
 */
export function breakdownDimension(
  by: string | undefined,
  experiment: string,
  definition: ExperimentDefinition | undefined,
): string | undefined {
  if (by === undefined) return undefined;
  const declared = definition?.dimensions ?? [];
  if (!declared.includes(by)) {
    throw new CliError(
      `--by ${by}: ${experiment} declares ${declared.length === 0 ? "no dimensions" : `the dimensions ${declared.join(", ")}`}; add it to the experiment's dimensions = [...] in the manifest (only declared dimensions are recorded with exposures)`,
      EXIT.USAGE,
    );
  }
  if ((definition as { analysis?: unknown } | undefined)?.analysis === undefined) {
    throw new CliError(
      `--by ${by}: a breakdown evaluates each slice with the experiment's analysis plan; ${experiment} has none (declare [plugins.experiments.analysis])`,
      EXIT.USAGE,
    );
  }
  return by;
}

/** The breakdown as text: the caveat, then per slice its units, its SRM check and the plan's metrics. */
export function renderBreakdown(breakdown: BreakdownReport, control: string): string {
  const out: string[] = [
    `breakdown by ${breakdown.dimension} (exploratory, not part of the decision)`,
    `caveat: ${breakdown.caveat}`,
  ];
  for (const slice of breakdown.slices) {
    const name =
      slice.value === null
        ? `${breakdown.dimension} not recorded`
        : `${breakdown.dimension} = ${slice.value}`;
    const arms = slice.arms.map((a) => `${a.variant} ${a.units}`).join(", ");
    const srm = slice.srm.mismatch
      ? "SRM MISMATCH: this slice's split does not match the weights; do not read its results"
      : "sample ratio ok";
    out.push("", `${name}: ${slice.units} units (${arms}); ${srm} (p = ${formatP(slice.srm.pValue)})`);
    for (const t of slice.treatments) {
      out.push(
        table(
          [
            "metric",
            `${control} mean`,
            `${t.variant} mean`,
            "effect",
            "CI",
            "p",
            "adj. p (breakdown)",
            "significant",
          ],
          t.metrics.map((m) => {
            const missing = m.verdict === "insufficient-data";
            return [
              `${m.metric}${slice.treatments.length > 1 ? ` (${t.variant})` : ""}`,
              formatMean(m.controlMean, m.controlUnits),
              formatMean(m.treatmentMean, m.treatmentUnits),
              missing ? "-" : formatEffect(m.estimate, m.scale),
              missing ? "-" : `[${formatEffect(m.ci[0], m.scale)}, ${formatEffect(m.ci[1], m.scale)}]`,
              missing ? "-" : formatP(m.pValue),
              missing ? "-" : formatP(m.breakdownAdjustedPValue),
              missing ? `insufficient data (${m.warning ?? "no estimate"})` : m.significant ? "yes" : "no",
            ];
          }),
        ),
      );
    }
  }
  return `${out.join("\n")}\n`;
}
