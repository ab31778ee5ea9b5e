/**
 * Statsig's `version_*` operators as one regular expression each. Statsig's server core (`compare_versions`)
 * cuts the value at its first `-`, splits it at `.`, trims each part (Unicode White_Space) and reads it as an
 * i128 (an optional `+`, ASCII digits, leading zeros allowed). It compares part by part with the target's parts,
 * missing ones as 0, deciding at the first difference; a part that does not read, reached before that, fails
 * every comparison: `1.2` equals `1.2.0`, `1.2.3-beta.1` equals `1.2.3`, `v2.0.0` and `1.2.x` pass none, `1.3.x`
 * is above `1.2.0`. Assay's own `>=` is semver precedence, so the import writes instead a `matches` rule
 * that holds for exactly the values Statsig's comparison accepts (for a fixed target that set is regular).
 */

/** Unicode White_Space, what Rust's `str::trim` removes (JavaScript's `\s` differs: U+0085, U+FEFF). */
const WS = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*";
/** One past i128::MAX: a part reading as more overflows and counts as 0. */
const I128_END = "170141183460469231731687303715884105728";
const END = "(?=[.-]|$)";

/** Digit strings without a leading zero, of `k`'s length, below `k` (`k` without leading zero). */
function sameLengthBelow(k: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < k.length; i++) {
    const d = Number(k[i]);
    const low = i === 0 && k.length > 1 ? 1 : 0;
    if (d <= low) continue;
    const rest = k.length - i - 1;
    out.push(`${k.slice(0, i)}[${low}-${d - 1}]${rest > 0 ? `[0-9]{${rest}}` : ""}`);
  }
  return out;
}

/** Digit strings without a leading zero, of `k`'s length, above `k`. */
function sameLengthAbove(k: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < k.length; i++) {
    const d = Number(k[i]);
    if (d === 9) continue;
    const rest = k.length - i - 1;
    out.push(`${k.slice(0, i)}[${d + 1}-9]${rest > 0 ? `[0-9]{${rest}}` : ""}`);
  }
  return out;
}

/** Numbers above `k` that still read as an i128 (no leading zero; `k` has at most 30 digits). */
function aboveReadable(k: string): string {
  const alternatives = sameLengthAbove(k);
  if (k.length + 1 <= I128_END.length - 1)
    alternatives.push(`[1-9][0-9]{${k.length},${I128_END.length - 2}}`);
  alternatives.push(...sameLengthBelow(I128_END));
  return alternatives.join("|");
}

/** A part that reads as a number of `body` (a regex of digit strings without a leading zero). */
const readsAs = (body: string) => `${WS}\\+?0*(?:${body})${WS}${END}`;
const equalPart = (k: string) => (k === "0" ? `${WS}\\+?0+${WS}${END}` : readsAs(k));
const abovePart = (k: string) => readsAs(aboveReadable(k));
/** A part reading as less than `k` (k > 0): 0 (written as zeros) or a smaller number. */
const belowPart = (k: string) => `(?:${WS}\\+?0+${WS}${END}|${readsAs(sameLengthBelowOrShorter(k))})`;
/** What can follow the last part: the cut-off rest after a `-`. */
const CUT = "(?:-[\\s\\S]*)?$";
/** Any further parts (read or not: the comparison is decided), then the cut-off rest. */
const ANYTHING = "(?:\\.[^-]*)?(?:-[\\s\\S]*)?$";

/** Digit strings without a leading zero, from 1 up to below `k`. */
function sameLengthBelowOrShorter(k: string): string {
  const alternatives = sameLengthBelow(k).filter((a) => a !== "[0-0]");
  if (k.length > 1) alternatives.push(`[1-9][0-9]{0,${k.length - 2}}`);
  // (a one-digit k: [0-(k-1)] includes 0, which zeros already cover; harmless)
  return alternatives.length > 0 ? alternatives.join("|") : "(?!)";
}

type Comparison = "gt" | "gte" | "lt" | "lte" | "eq" | "neq";

/** The target's parts as Statsig reads them, or why it is not written (only plain dotted numbers are). */
export function statsigTargetParts(target: unknown): string[] | string {
  if (typeof target !== "string" && typeof target !== "number") return "a version as a string";
  const core = String(target).split("-")[0]!;
  if (!/^\d{1,30}(?:\.\d{1,30})*$/.test(core)) return "a target that is not dotted numbers";
  return core.split(".").map((p) => BigInt(p).toString());
}

/**
 * The regex sources (alternatives of one `matches` rule) where the value compares to `parts` as `op`. The SDK
 * (0.23, checked in test/import-versions.test.ts) goes part by part and decides at the first difference; a part
 * that does not read (empty, junk, an overflow) reached before that makes every comparison false, a missing one
 * is 0.
 */
function sources(op: Comparison, parts: readonly string[]): string[] {
  const m = parts.length;
  const prefix = (j: number) =>
    parts
      .slice(0, j)
      .map((r, i) => (i === 0 ? "" : "\\.") + equalPart(r))
      .join("");
  const sep = (j: number) => (j === 0 ? "" : "\\.");
  const above: string[] = [];
  const below: string[] = [];
  const equal: string[] = [];
  for (let j = 0; j < m; j++) {
    above.push(`${prefix(j)}${sep(j)}${abovePart(parts[j]!)}${ANYTHING}`);
    if (parts[j] !== "0") {
      below.push(`${prefix(j)}${sep(j)}${belowPart(parts[j]!)}${ANYTHING}`);
      // the value ends before part j, after parts equal to the target's (those past its end count as 0)
      for (let k = j; k > 0 && (k === j || parts[k] === "0"); k--) below.push(`${prefix(k)}${CUT}`);
    }
  }
  // equal on the target's parts: further parts of the value count while they read as 0
  const zero = equalPart("0");
  above.push(`${prefix(m)}(?:\\.${zero})*\\.${abovePart("0")}${ANYTHING}`);
  equal.push(`${prefix(m)}(?:\\.${zero})*${CUT}`);
  // the value ends early where the target's remaining parts are all 0
  for (let k = 1; k < m; k++) if (parts.slice(k).every((r) => r === "0")) equal.push(`${prefix(k)}${CUT}`);
  switch (op) {
    case "gt":
      return above;
    case "gte":
      return [...above, ...equal];
    case "lt":
      return below;
    case "lte":
      return [...below, ...equal];
    case "eq":
      return equal;
    case "neq":
      return [...above, ...below];
  }
}

/**
 * The regex source of a Statsig `version_*` condition holding exactly where Statsig's comparison holds for a
 * present value, or why it is not written (undefined: no value can). `""` is a part that does not read, so it
 * never matches, as a missing or empty field never passes in Statsig.
 */
export function statsigVersionSource(
  operator: string,
  target: unknown,
): string | undefined | { reason: string } {
  const op = operator.replace(/^version_/, "") as Comparison;
  if (!["gt", "gte", "lt", "lte", "eq", "neq"].includes(op)) return { reason: `operator ${operator}` };
  const parts = statsigTargetParts(target);
  if (typeof parts === "string") return { reason: parts };
  const alternatives = sources(op, parts);
  if (alternatives.length === 0) return undefined;
  return `^(?:${alternatives.join("|")})`;
}
