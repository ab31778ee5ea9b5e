import { DEFAULT_ENVIRONMENT, DEFAULT_PHASE } from "../records/segment.js";
import type { StoredEvent, SummaryQuery, SummaryScope } from "./event-store.js";

/** The environment an event was recorded in (DEFAULT_ENVIRONMENT when it names none). */
export function environmentOf(event: StoredEvent): string {
  return event.environment ?? DEFAULT_ENVIRONMENT;
}

/** The phase an event belongs to (DEFAULT_PHASE when it names none). */
export function phaseOf(event: StoredEvent): number {
  return event.phase ?? DEFAULT_PHASE;
}

/**
 * The separator of the analysis keys SQL stores keep their rollups under: experiment, environment and phase
 * joined by U+001F. Environment names cannot hold it (letters, digits, `_`, `-`) and a phase is digits, so the
 * key splits back unambiguously from the right whatever the experiment id contains.
 */
export const SCOPE_SEPARATOR = "\u001f";

/** The analysis key of (experiment, environment, phase) in the SQL stores' rollup tables. */
export function scopeKey(experiment: string, environment: string, phase: number): string {
  return `${experiment}${SCOPE_SEPARATOR}${environment}${SCOPE_SEPARATOR}${phase}`;
}

/**
 * The environment and phase a query asks for, given the phases with exposures in that environment: the
 * query's phase, else the highest of them, else DEFAULT_PHASE.
 */
export function resolveScope(
  query: SummaryQuery,
  phases: readonly number[],
): { readonly environment: string; readonly phase: number } {
  const environment = query.environment ?? DEFAULT_ENVIRONMENT;
  // a loop, not Math.max(...phases): the reference passes one phase per exposure, past the spread's limit
  let highest = DEFAULT_PHASE;
  for (const p of phases) if (p > highest) highest = p;
  return { environment, phase: query.phase ?? highest };
}

/** A SummaryScope with its lists sorted and deduplicated. */
export function summaryScope(
  environment: string,
  phase: number,
  phases: Iterable<number>,
  manifestVersions: Iterable<string>,
): SummaryScope {
  return {
    environment,
    phase,
    phases: [...new Set(phases)].sort((a, b) => a - b),
    manifestVersions: [...new Set(manifestVersions)].sort(),
  };
}
