import type { OutcomeKind } from "@assay/core";
import { CliError, EXIT } from "../exit-codes.js";

/** A true effect the simulation builds in: the relative change of a metric's mean per unit. */
export interface SimulatedEffect {
  /** The treatment it applies to; every treatment when absent. */
  readonly variant?: string;
  readonly metric: string;
  /** +0.05 for `+5%`. */
  readonly relative: number;
}

/** A sample-ratio mismatch built in: this share of one variant's units is lost before exposure. */
export interface SimulatedSrm {
  readonly variant: string;
  /** 0.1 for `-10%`. */
  readonly loss: number;
}

/** What `assay simulate` writes: every field is fixed by the flags, so one spec is one data set. */
export interface SimulationSpec {
  readonly experiment: string;
  /** Visitors who arrive; those the experiment does not enroll (traffic, targeting) see nothing. */
  readonly users: number;
  /** Days of traffic, the last of them `end`. */
  readonly days: number;
  /** The last day, `YYYY-MM-DD` (UTC); the data set ends at its midnight. */
  readonly end: string;
  readonly seed: string;
  readonly effects: readonly SimulatedEffect[];
  readonly srm?: SimulatedSrm;
  /** Mean order value of a converting unit (see `ORDER_VALUE`). */
  readonly orderValue: number;
  /** The metrics written, in order, with their kinds. */
  readonly metrics: ReadonlyArray<{ readonly metric: string; readonly kind: OutcomeKind }>;
}

/** Most users one run writes: 50 M visitors is some 100 M events, hours of writing. */
export const MAX_USERS = 50_000_000;
export const MAX_DAYS = 365;

const KINDS: readonly OutcomeKind[] = ["bool", "numeric", "count"];
/** Metrics named like money are order values: numeric, and earned only by units that convert. */
const MONEY = /revenue|value|amount|spend|price|order|sales|gmv/i;

/** `--users`: a whole number of visitors, 1 … {@link MAX_USERS}. */
export function parseUsers(text: string | undefined): number {
  if (text === undefined) throw new CliError("--users N is required (how many visitors arrive)", EXIT.USAGE);
  const users = Number(text.replaceAll("_", ""));
  if (!/^[\d_]+$/.test(text) || !Number.isSafeInteger(users) || users < 1 || users > MAX_USERS) {
    throw new CliError(
      `--users ${JSON.stringify(text)}: a whole number of visitors from 1 to ${MAX_USERS.toLocaleString("en-US")}`,
      EXIT.USAGE,
    );
  }
  return users;
}

/** `--days`: 1 … {@link MAX_DAYS}, default 14. */
export function parseDays(text: string | undefined): number {
  if (text === undefined) return 14;
  const days = Number(text);
  if (!/^\d+$/.test(text) || days < 1 || days > MAX_DAYS) {
    throw new CliError(
      `--days ${JSON.stringify(text)}: a whole number of days from 1 to ${MAX_DAYS}`,
      EXIT.USAGE,
    );
  }
  return days;
}

/** `--end YYYY-MM-DD`, default yesterday (UTC), so every simulated day is over and nothing lies in the future. */
export function parseEnd(text: string | undefined, now: Date): string {
  if (text === undefined) return new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : undefined;
  if (date === undefined || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
    throw new CliError(`--end ${JSON.stringify(text)}: a date as YYYY-MM-DD (UTC)`, EXIT.USAGE);
  }
  if (date.getTime() > now.getTime()) {
    throw new CliError(`--end ${text}: in the future; the data set must end by today`, EXIT.USAGE);
  }
  return text;
}

/** `--order-value`: the mean amount of a converting unit's order, above 0 and at most 1e9; default 50. */
export function parseOrderValue(text: string | undefined): number {
  if (text === undefined) return 50;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0 && value <= 1e9)) {
    throw new CliError(
      `--order-value ${JSON.stringify(text)}: a mean order amount above 0, such as 24 or 49.90`,
      EXIT.USAGE,
    );
  }
  return value;
}

/** `--seed`: letters, digits, `-` and `_` (it becomes part of every simulated id), default "1". */
export function parseSeed(text: string | undefined): string {
  if (text === undefined) return "1";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(text)) {
    throw new CliError(
      `--seed ${JSON.stringify(text)}: 1 to 64 letters, digits, - or _ (it is part of every simulated id)`,
      EXIT.USAGE,
    );
  }
  return text;
}

/**
 * The metrics to write: `--metric NAME[:KIND]` when given, else the analysis plan's (primary, secondary,
 * guardrails), else `conversion` and `revenue`. A metric without a kind is numeric when named like money
 * (revenue, order_value, …), otherwise bool.
 */
export function parseMetrics(
  flags: readonly string[] | undefined,
  planned: readonly string[],
): SimulationSpec["metrics"] {
  const entries =
    flags !== undefined && flags.length > 0
      ? flags
      : planned.length > 0
        ? planned
        : ["conversion", "revenue"];
  const metrics: Array<{ metric: string; kind: OutcomeKind }> = [];
  for (const entry of entries) {
    const [metric = "", kind, ...rest] = entry.split(":");
    if (metric === "" || rest.length > 0 || (kind !== undefined && !KINDS.includes(kind as OutcomeKind))) {
      throw new CliError(
        `--metric ${JSON.stringify(entry)}: expected NAME or NAME:KIND with KIND one of ${KINDS.join(", ")}`,
        EXIT.USAGE,
      );
    }
    if (metrics.some((m) => m.metric === metric)) continue;
    metrics.push({
      metric,
      kind: (kind as OutcomeKind | undefined) ?? (MONEY.test(metric) ? "numeric" : "bool"),
    });
  }
  return metrics;
}

const PERCENT = /^([+-]?\d+(?:\.\d+)?)%$/;

/**
 * `--effect [VARIANT:]METRIC=±P%`: the true relative effect on the metric's mean per unit, for one treatment
 * or all of them. The metric must be one written and the variant a treatment; a metric with no effect has none.
 */
export function parseEffects(
  flags: readonly string[] | undefined,
  metrics: readonly string[],
  treatments: readonly string[],
): SimulatedEffect[] {
  const effects: SimulatedEffect[] = [];
  for (const flag of flags ?? []) {
    const at = flag.lastIndexOf("=");
    const target = at < 0 ? flag : flag.slice(0, at);
    const match = PERCENT.exec(at < 0 ? "" : flag.slice(at + 1));
    const colon = target.indexOf(":");
    const variant = colon < 0 ? undefined : target.slice(0, colon);
    const metric = colon < 0 ? target : target.slice(colon + 1);
    if (match === null || metric === "") {
      throw new CliError(
        `--effect ${JSON.stringify(flag)}: expected METRIC=+5% or VARIANT:METRIC=-2.5%`,
        EXIT.USAGE,
      );
    }
    if (!metrics.includes(metric)) {
      throw new CliError(
        `--effect ${JSON.stringify(flag)}: no metric ${JSON.stringify(metric)} is simulated (metrics: ${metrics.join(", ")})`,
        EXIT.USAGE,
      );
    }
    if (variant !== undefined && !treatments.includes(variant)) {
      throw new CliError(
        `--effect ${JSON.stringify(flag)}: ${JSON.stringify(variant)} is not a treatment (treatments: ${treatments.join(", ")})`,
        EXIT.USAGE,
      );
    }
    const relative = Number(match[1]) / 100;
    if (relative <= -1) {
      throw new CliError(`--effect ${JSON.stringify(flag)}: an effect must stay above -100%`, EXIT.USAGE);
    }
    effects.push(variant === undefined ? { metric, relative } : { variant, metric, relative });
  }
  return effects;
}

/** `--srm VARIANT=-P%`: that share (0 < P < 100) of the variant's units is lost before it is exposed. */
export function parseSrm(flag: string | undefined, variants: readonly string[]): SimulatedSrm | undefined {
  if (flag === undefined) return undefined;
  const at = flag.lastIndexOf("=");
  const variant = at < 0 ? "" : flag.slice(0, at);
  const match = PERCENT.exec(at < 0 ? "" : flag.slice(at + 1));
  const loss = match === null ? Number.NaN : -Number(match[1]) / 100;
  if (variant === "" || !(loss > 0 && loss < 1)) {
    throw new CliError(
      `--srm ${JSON.stringify(flag)}: expected VARIANT=-P% with 0 < P < 100 (that share of the variant's units is lost)`,
      EXIT.USAGE,
    );
  }
  if (!variants.includes(variant)) {
    throw new CliError(
      `--srm ${JSON.stringify(flag)}: no variant ${JSON.stringify(variant)} (variants: ${variants.join(", ")})`,
      EXIT.USAGE,
    );
  }
  return { variant, loss };
}
