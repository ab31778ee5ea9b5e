import type { DashboardReport } from "../source.js";
import { count } from "./format.js";

/** The badge class of a decision: green to act, red to stop, amber to wait, blue to look closer. */
export function decisionTone(decision: string): string {
  switch (decision) {
    case "ship":
      return "b-ok";
    case "rollback":
    case "investigate-srm":
    case "reject":
      return "b-bad";
    case "continue":
      return "b-warn";
    case "review":
    case "keep-control":
    case "no-effect":
      return "b-info";
    default:
      return "b-none";
  }
}

/** "keep-control" → "keep control", "investigate-srm" → "investigate SRM". */
export function decisionLabel(decision: string): string {
  return decision === "none" ? "no decision" : decision.replace(/-/g, " ").replace(/\bsrm\b/g, "SRM");
}

/**
 * The banner's one-line why, in the shape "continue: 4,210 of 10,000 units per arm; sequential, valid at
 * any look"; the report's own reasons follow it as a list.
 */
export function decisionSummary(report: DashboardReport): string {
  const parts: string[] = [];
  const active = report.arms.filter((a) => a.active);
  const smallest = active.length === 0 ? 0 : Math.min(...active.map((a) => a.units));
  const minimum = report.sample.minimumPerArm;
  if (minimum !== undefined) {
    parts.push(
      report.sample.reached
        ? `planned sample reached (${count(minimum)} units per arm)`
        : `${count(smallest)} of ${count(minimum)} units per arm`,
    );
  } else {
    parts.push(`${count(smallest)} units in the smallest arm, no minimum sample planned`);
  }
  if (report.srm.mismatch) parts.push("the traffic split does not match the weights");
  parts.push(
    report.method === "sequential"
      ? "sequential, valid at any look"
      : report.exploratory
        ? "exploratory, no plan declared"
        : "fixed horizon, valid once the planned sample is reached",
  );
  if (report.winner !== undefined) parts.push(`winner ${report.winner}`);
  return `${decisionLabel(report.decision)}: ${parts.join("; ")}`;
}
