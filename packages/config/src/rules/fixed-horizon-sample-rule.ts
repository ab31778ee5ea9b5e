import type { TableRule } from "../schema/table.js";

/**
 * A fixed-horizon plan declares its sample size: its p-values hold only at a sample fixed in advance, so
 * without `minimum_sample` nothing says when a decision may be read. Reported at `sequential = false`
 * when written, else at the analysis table.
 */
export const fixedHorizonSampleRule: TableRule = (analysis, path, ctx) => {
  if (Object.hasOwn(analysis, "minimum_sample")) return;
  const sequential = analysis.sequential;
  if (sequential !== undefined && sequential !== false) return;
  const message =
    "a fixed-horizon plan needs its sample size: declare `minimum_sample = <units per arm>` " +
    "(the size its p-values are valid at), or use `sequential = true` to look at results any time";
  if (sequential === false) ctx.report([...path, "sequential"], message, "key");
  else ctx.report(path, message);
};
