/**
 * unleash-client's SEMVER_* constraints read the context value with `semver` (strict) and refuse values that
 * start with "v". Assay's version rules (`app >= 1.2.0`) also read "v1.2.0", leading zeros in prerelease
 * numbers and components past 2^53, so an imported constraint pairs the comparison with a `matches` rule that
 * holds exactly for the values the SDK reads as versions.
 */

/** The decimal numbers without leading zeros from 0 to `max` (a decimal string), as a regex source. */
export function decimalAtMost(max: string): string {
  const alternatives = ["0"];
  if (max.length > 1) alternatives.push(`[1-9]\\d{0,${max.length - 2}}`);
  // same length as max: a smaller digit at position i after max's first i digits, or max itself
  for (let i = 0; i < max.length; i++) {
    const digit = Number(max[i]);
    const low = i === 0 ? 1 : 0;
    if (digit > low) {
      const rest = max.length - i - 1;
      const range = digit - 1 === low ? `${low}` : `[${low}-${digit - 1}]`;
      alternatives.push(`${max.slice(0, i)}${range}${rest > 0 ? `\\d{${rest}}` : ""}`);
    }
  }
  if (max !== "0") alternatives.push(max);
  return `(?:${alternatives.join("|")})`;
}

/** semver's MAX_SAFE_INTEGER bound on major, minor and patch. */
const COMPONENT = decimalAtMost(String(Number.MAX_SAFE_INTEGER));
const NUMERIC = "(?:0|[1-9]\\d*)";
const IDENTIFIER = `(?:\\d*[a-zA-Z-][a-zA-Z0-9-]*|${NUMERIC})`;
const BUILD = "[a-zA-Z0-9-]+";
/** semver's strict grammar (FULL), without anchors. */
const STRICT = `v?${COMPONENT}\\.${COMPONENT}\\.${COMPONENT}(?:-${IDENTIFIER}(?:\\.${IDENTIFIER})*)?(?:\\+${BUILD}(?:\\.${BUILD})*)?`;

/**
 * A regex source that holds for exactly the strings unleash-client reads as versions: at most 256 UTF-16 code
 * units, not starting with "v", and once trimmed (JavaScript's trim removes what `\s` matches) valid strict
 * semver.
 */
export const SDK_VERSION_SOURCE = `^(?!v)(?=[\\s\\S]{0,256}$)\\s*${STRICT}\\s*$`;

const STRICT_TARGET = new RegExp(`^\\s*${STRICT}\\s*$`);
const PARTS = /^\s*v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$/;

/**
 * A constraint's target version as a rule literal (`1.2.3-beta.1`: no "v", no build metadata), or undefined
 * when `semver` would refuse it (the SDK then matches nobody).
 */
export function targetVersion(value: string): string | undefined {
  if (value.length > 256 || !STRICT_TARGET.test(value)) return undefined;
  const m = PARTS.exec(value);
  if (m === null) return undefined;
  return `${m[1]}.${m[2]}.${m[3]}${m[4] === undefined ? "" : `-${m[4]}`}`;
}

/** The decimal numbers without leading zeros above `min` (a decimal string), as a regex source. */
export function decimalAbove(min: string): string {
  const alternatives = [`[1-9]\\d{${min.length},}`];
  for (let i = 0; i < min.length; i++) {
    const digit = Number(min[i]);
    if (digit < 9) {
      const rest = min.length - i - 1;
      const range = digit + 1 === 9 ? "9" : `[${digit + 1}-9]`;
      alternatives.push(`${min.slice(0, i)}${range}${rest > 0 ? `\\d{${rest}}` : ""}`);
    }
  }
  return `(?:${alternatives.join("|")})`;
}

/** The decimal numbers without leading zeros below `max`; undefined when none is (max 0). */
function decimalBelow(max: string): string | undefined {
  return max === "0" ? undefined : decimalAtMost(String(BigInt(max) - 1n));
}

/** The SEMVER_* operators a single rule can say for a target without prerelease. */
export type SemverOperator = "SEMVER_EQ" | "SEMVER_GT" | "SEMVER_LT" | "SEMVER_GTE" | "SEMVER_LTE";

/**
 * One regex source holding for exactly the values unleash-client reads as versions AND that compare to
 * `target` as `operator` says (semver precedence: a prerelease sorts below its release), so that the rule can
 * also be negated (an `inverted` constraint as an exclude rule). Only for a target without prerelease
 * (undefined otherwise): then the order is decided by the numeric core and whether the value has a prerelease.
 */
export function versionComparisonSource(operator: SemverOperator, target: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(target);
  if (m === null) return undefined;
  const [major, minor, patch] = [m[1]!, m[2]!, m[3]!];
  const n = NUMERIC;
  // after the core: `-` starts a prerelease; `+`, whitespace or the end mean none
  const end = "(?![0-9])";
  const release = "(?![0-9-])";
  const above = [
    `${decimalAbove(major)}\\.${n}\\.${n}`,
    `${major}\\.${decimalAbove(minor)}\\.${n}`,
    `${major}\\.${minor}\\.${decimalAbove(patch)}`,
  ].map((a) => `${a}${end}`);
  const below = [
    [decimalBelow(major), `\\.${n}\\.${n}`, ""],
    [decimalBelow(minor), `\\.${n}`, `${major}\\.`],
    [decimalBelow(patch), "", `${major}\\.${minor}\\.`],
  ].flatMap(([num, after, before]) => (num === undefined ? [] : [`${before}${num}${after}${end}`]));
  const same = `${major}\\.${minor}\\.${patch}`;
  const alternatives: Record<SemverOperator, string[]> = {
    SEMVER_GT: above,
    SEMVER_GTE: [...above, `${same}${release}`],
    SEMVER_EQ: [`${same}${release}`],
    SEMVER_LT: [...below, `${same}-`],
    SEMVER_LTE: [...below, `${same}${end}`],
  };
  const body = alternatives[operator].length === 0 ? "(?!)" : `(?:${alternatives[operator].join("|")})`;
  return `^(?!v)(?=[\\s\\S]{0,256}$)(?=\\s*${STRICT}\\s*$)\\s*v?${body}`;
}
