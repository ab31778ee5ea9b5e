import { adjust } from "../adjust/adjust.js";
import type { ResolvedPlan } from "./plan.js";
import type { ExperimentDecision, MetricResult, TreatmentDecision, TreatmentReport } from "./report.js";

const names = (rs: readonly MetricResult[]) => rs.map((r) => r.metric).join(", ");

/** Whether a guardrail lets a ship through: only "ok" does (no data and an unproven margin hold it). */
function holdsShip(r: MetricResult): boolean {
  return r.role === "guardrail" && r.verdict !== "ok";
}

function holdReason(r: MetricResult, margin: number | undefined): string {
  if (r.verdict === "insufficient-data")
    return `${r.metric} (insufficient data: ${r.warning ?? "no estimate"})`;
  const shown =
    r.scale === "relative" ? `${Number(((margin ?? 0) * 100).toPrecision(4))}%` : `${margin ?? 0}`;
  return `${r.metric} (not yet shown within its margin of ${shown})`;
}

/**
 * The decision for one treatment, first match wins: SRM, guardrail breach, planned sample not reached,
 * primary loss; then a primary win ships unless a primary metric or a guardrail cannot be read yet
 * (continue) or a secondary metric loses (review); without a win, insufficient data or a sequential
 * plan means continue, and a fixed plan at its sample size means no-effect.
 */
export function decideTreatment(
  p: ResolvedPlan,
  variant: string,
  metrics: readonly MetricResult[],
  srmMismatch: boolean,
  reached: boolean,
): TreatmentReport {
  const reasons: string[] = [];
  const primary = metrics.filter((r) => r.role === "primary");
  const breaches = metrics.filter((r) => r.verdict === "breach");
  const losses = primary.filter((r) => r.verdict === "loss");
  const wins = primary.filter((r) => r.verdict === "win");
  const primaryMissing = primary.filter((r) => r.verdict === "insufficient-data");
  const guardrailHolds = metrics.filter(holdsShip);
  const secondaryLosses = metrics.filter((r) => r.role === "secondary" && r.verdict === "loss");
  const margins = new Map(p.metrics.map((m) => [m.metric, m.margin]));
  let decision: TreatmentDecision;
  if (srmMismatch) {
    decision = "investigate-srm";
    reasons.push(
      "sample ratio mismatch: the observed split does not match the plan, so no result can be trusted",
    );
    if (breaches.length > 0) reasons.push(`guardrail breach not acted on: ${names(breaches)}`);
  } else if (breaches.length > 0) {
    decision = "rollback";
    reasons.push(`guardrail breached: ${names(breaches)}`);
  } else if (!reached) {
    decision = "continue";
    reasons.push(`planned sample of ${p.minimumSample} units per arm not reached`);
  } else if (losses.length > 0) {
    decision = "reject";
    reasons.push(`primary metric worse: ${names(losses)}`);
  } else if (wins.length > 0 && primaryMissing.length === 0 && guardrailHolds.length === 0) {
    if (secondaryLosses.length > 0) {
      decision = "review";
      reasons.push(
        `primary metric better: ${names(wins)}`,
        `but secondary metric significantly worse: ${names(secondaryLosses)}`,
      );
    } else {
      decision = "ship";
      reasons.push(`primary metric better: ${names(wins)}`);
    }
  } else if (wins.length > 0) {
    decision = "continue";
    reasons.push(`primary metric better: ${names(wins)}`);
    if (primaryMissing.length > 0)
      reasons.push(`but insufficient data on primary metric ${names(primaryMissing)}`);
    if (guardrailHolds.length > 0) {
      reasons.push(
        `but guardrail holds the ship: ${guardrailHolds.map((r) => holdReason(r, margins.get(r.metric))).join(", ")}`,
      );
    }
  } else if (primaryMissing.length > 0) {
    decision = "continue";
    reasons.push(
      `insufficient data on primary metric ${primaryMissing
        .map((r) => `${r.metric} (${r.warning ?? "no estimate"})`)
        .join(", ")}: not enough to tell whether there is an effect`,
    );
  } else if (p.method === "sequential") {
    decision = "continue";
    reasons.push("no primary metric is significant yet; the sequential test allows collecting more data");
  } else {
    decision = "no-effect";
    reasons.push("no primary metric is significant at the planned sample size");
  }
  return { variant, decision, reasons, metrics };
}

/** Tests a treatment against another on one primary metric: the two-sided p-value and whether `best` is better. */
export type PairwiseTest = (best: string, other: string) => { pValue: number; better: boolean };

/** The experiment-level decision from the treatments'. */
export function decideExperiment(
  treatments: readonly TreatmentReport[],
  p: ResolvedPlan,
  srmMismatch: boolean,
  pairwise: PairwiseTest,
): { decision: ExperimentDecision; winner?: string; cannotTellApart?: string[]; reasons: string[] } {
  const pick = (d: TreatmentDecision) => treatments.filter((t) => t.decision === d);
  const label = (ts: readonly TreatmentReport[]) => ts.map((t) => t.variant).join(", ");
  if (srmMismatch) {
    return {
      decision: "investigate-srm",
      reasons: ["sample ratio mismatch blocks any decision, rollback included"],
    };
  }
  const rollback = pick("rollback");
  if (rollback.length > 0) return { decision: "rollback", reasons: [`roll back ${label(rollback)}`] };
  const ship = pick("ship");
  if (ship.length > 0) return shipDecision(ship, p, pairwise);
  const review = pick("review");
  if (review.length > 0) {
    return {
      decision: "review",
      reasons: review.map((t) => `review ${t.variant}: ${t.reasons.join("; ")}`),
    };
  }
  const cont = pick("continue");
  if (cont.length > 0) return { decision: "continue", reasons: [`keep collecting data for ${label(cont)}`] };
  if (treatments.length === 0) {
    return { decision: "keep-control", reasons: ["every treatment is switched off (weight 0)"] };
  }
  return {
    decision: "keep-control",
    reasons: ["no treatment is better than control on the primary metrics"],
  };
}

/**
 * One shippable treatment ships. Of several, the best on the first primary metric ships only if it is
 * significantly better than each other one (two-sided, the plan's correction over those comparisons,
 * at alpha); otherwise the ones it cannot be told apart from go to review.
 */
function shipDecision(
  ship: readonly TreatmentReport[],
  p: ResolvedPlan,
  pairwise: PairwiseTest,
): { decision: ExperimentDecision; winner?: string; cannotTellApart?: string[]; reasons: string[] } {
  const primaryMetric = p.metrics.find((m) => m.role === "primary")?.metric;
  const score = (t: TreatmentReport) => {
    const r = t.metrics.find((m) => m.metric === primaryMetric);
    if (r === undefined || r.verdict === "insufficient-data") return Number.NEGATIVE_INFINITY;
    return r.direction === "increase" ? r.estimate : -r.estimate;
  };
  const [best, ...others] = [...ship].sort((a, b) => score(b) - score(a));
  if (best === undefined) return { decision: "continue", reasons: [] };
  if (others.length === 0) {
    return { decision: "ship", winner: best.variant, reasons: [`ship ${best.variant}`, ...best.reasons] };
  }
  const tests = others.map((o) => pairwise(best.variant, o.variant));
  const adjusted = adjust(
    tests.map((t) => t.pValue),
    p.correction,
  );
  const tied = others.filter((_, i) => !((adjusted[i] ?? 1) < p.alpha && tests[i]?.better === true));
  if (tied.length === 0) {
    return {
      decision: "ship",
      winner: best.variant,
      reasons: [
        `ship ${best.variant}`,
        ...best.reasons,
        `better on ${primaryMetric} than ${others.map((o) => o.variant).join(", ")}`,
      ],
    };
  }
  const cannotTellApart = [best.variant, ...tied.map((t) => t.variant)];
  return {
    decision: "review",
    cannotTellApart,
    reasons: [
      `${cannotTellApart.join(", ")} each beat control, but ${primaryMetric} cannot tell ${best.variant} apart from ${tied
        .map((t) => t.variant)
        .join(", ")} at alpha ${p.alpha}: pick one, or keep collecting data`,
    ],
  };
}
