/**
 * PostHog's `semver_*` operators as one regular expression each. posthog-node (strict parsing, its default) reads
 * a version by trimming it, dropping one leading `v` / `V`, cutting at the first `-` or `+` (prerelease and build
 * are ignored), and taking the first three dot-separated parts, each empty (0) or digits without a leading zero;
 * missing parts are 0 and parts past the third are not read. A value it cannot read is inconclusive (the flag is
 * not served locally), a missing property too. Assay's own `>=` compares semver precedence (`1.2` is no version
 * there, `1.2.3-beta.1` sorts before `1.2.3`), so the import writes instead a `matches` rule that accepts exactly
 * the values PostHog reads as satisfying the comparison: for a fixed target, "the triple read from the value is
 * above (a, b, c)" is a regular language.
 */

/** A version triple. */
export type Triple = readonly [number, number, number];

/** PostHog's reading of a version (strict policy), or undefined where it throws (inconclusive). */
export function postHogTriple(value: string): Triple | undefined {
  const text = value.trim().replace(/^[vV]/, "");
  const base = text.split("-")[0]!.split("+")[0]!;
  if (base === "" || base.startsWith(".")) return undefined;
  const parts = base.split(".");
  const read = (part: string | undefined): number | undefined => {
    if (part === undefined || part === "") return 0;
    if (!/^\d+$/.test(part) || (part.length > 1 && part.startsWith("0"))) return undefined;
    return Number.parseInt(part, 10);
  };
  const triple = [read(parts[0]), read(parts[1]), read(parts[2])];
  return triple.every((n) => n !== undefined) ? (triple as unknown as Triple) : undefined;
}

/** What one part of the value must be: digit strings (`re`, never empty) and whether 0 / empty / missing passes. */
interface Part {
  readonly re: string;
  readonly zeroOk: boolean;
}

const ANY: Part = { re: "0|[1-9][0-9]*", zeroOk: true };
const eq = (k: number): Part => ({ re: String(k), zeroOk: k === 0 });
const gt = (k: number): Part => ({ re: greaterThan(String(k)), zeroOk: false });
const lt = (k: number): Part | undefined => (k === 0 ? undefined : { re: lessThan(String(k)), zeroOk: true });

/** Digit strings without a leading zero whose value is above `k`. */
function greaterThan(k: string): string {
  const alternatives = [`[1-9][0-9]{${k.length},}`];
  for (let i = 0; i < k.length; i++) {
    const d = Number(k[i]);
    if (d === 9) continue;
    const rest = k.length - i - 1;
    alternatives.push(`${k.slice(0, i)}[${d + 1}-9]${rest > 0 ? `[0-9]{${rest}}` : ""}`);
  }
  return alternatives.join("|");
}

/** Digit strings without a leading zero whose value is below `k` (k > 0). */
function lessThan(k: string): string {
  const alternatives = ["0"];
  if (k.length > 1) alternatives.push(`[1-9][0-9]{0,${k.length - 2}}`);
  for (let i = 0; i < k.length; i++) {
    const d = Number(k[i]);
    const low = i === 0 && k.length > 1 ? 1 : 0;
    if (d <= low) continue;
    const rest = k.length - i - 1;
    alternatives.push(`${k.slice(0, i)}[${low}-${d - 1}]${rest > 0 ? `[0-9]{${rest}}` : ""}`);
  }
  return alternatives.join("|");
}

/** The base (before any `-` / `+`) whose three parts meet the three constraints. */
function base([p0, p1, p2]: readonly [Part, Part, Part]): string {
  const digits = (p: Part) => (p.zeroOk ? `(?:${p.re})?` : `(?:${p.re})`);
  const rest = "(?:\\.[^+-]*)?";
  const third = p2.zeroOk ? `(?:\\.${digits(p2)}${rest})?` : `\\.${digits(p2)}${rest}`;
  const second = p1.zeroOk && p2.zeroOk ? `(?:\\.${digits(p1)}${third})?` : `\\.${digits(p1)}${third}`;
  return `(?:${p0.re})${second}`;
}

type Comparison = "gt" | "gte" | "lt" | "lte" | "eq" | "neq";

/** The part constraints (alternatives) of `triple op target`. */
function alternatives(op: Comparison, [a, b, c]: Triple): [Part, Part, Part][] {
  const equal: [Part, Part, Part] = [eq(a), eq(b), eq(c)];
  const above: [Part, Part, Part][] = [
    [gt(a), ANY, ANY],
    [eq(a), gt(b), ANY],
    [eq(a), eq(b), gt(c)],
  ];
  const below: [Part, Part, Part][] = [];
  const la = lt(a);
  const lb = lt(b);
  const lc = lt(c);
  if (la) below.push([la, ANY, ANY]);
  if (lb) below.push([eq(a), lb, ANY]);
  if (lc) below.push([eq(a), eq(b), lc]);
  switch (op) {
    case "gt":
      return above;
    case "gte":
      return [...above, equal];
    case "lt":
      return below;
    case "lte":
      return [...below, equal];
    case "eq":
      return [equal];
    case "neq":
      return [...above, ...below];
  }
}

/**
 * The regex source holding for exactly the strings PostHog reads as a version `op` the target (`undefined` when
 * no value can: `lt 0.0.0`). JavaScript's `\s` is the set `String.prototype.trim` removes.
 */
export function semverSource(op: Comparison, target: Triple): string | undefined {
  const parts = alternatives(op, target);
  if (parts.length === 0) return undefined;
  return `^\\s*[vV]?(?:${parts.map(base).join("|")})(?:[-+][\\s\\S]*)?\\s*$`;
}

/**
 * The regex sources (all must hold) of a PostHog `semver_*` filter on `value`, or a reason it is not written:
 * comparisons, `semver_tilde` (>= v, < next minor), `semver_caret` (>= v, < next major, or minor / patch for 0.x),
 * `semver_wildcard` (`1.*`, `1.2.*`). Targets PostHog cannot read (it refuses the filter) are not written.
 */
export function semverRules(operator: string, value: unknown): string[] | string {
  if (typeof value !== "string" && typeof value !== "number") return "a version as a string";
  const text = String(value);
  const one = (op: Comparison, t: Triple): string[] | string => {
    if (t.some((n) => !Number.isSafeInteger(n))) return "a version part too large to compare exactly";
    const source = semverSource(op, t);
    return source === undefined ? "matches nobody" : [source];
  };
  const between = (lower: Triple, upper: Triple): string[] | string => {
    const low = one("gte", lower);
    const high = one("lt", upper);
    if (typeof low === "string") return low;
    if (typeof high === "string") return high;
    return [...low, ...high];
  };
  if (operator === "semver_wildcard") {
    const cleaned = text.trim().replace(/^[vV]/, "").replace(/\.\*$/, "").replace(/\*$/, "");
    const parts = cleaned.split(".");
    const major = strictPart(parts[0]);
    if (cleaned === "" || major === undefined) return "a wildcard PostHog cannot read";
    if (parts.length === 1) return between([major, 0, 0], [major + 1, 0, 0]);
    const minor = strictPart(parts[1]);
    if (minor === undefined) return "a wildcard PostHog cannot read";
    return between([major, minor, 0], [major, minor + 1, 0]);
  }
  const t = postHogTriple(text);
  if (t === undefined) return "a version PostHog cannot read (it refuses the filter)";
  switch (operator) {
    case "semver_eq":
      return one("eq", t);
    case "semver_neq":
      return one("neq", t);
    case "semver_gt":
      return one("gt", t);
    case "semver_gte":
      return one("gte", t);
    case "semver_lt":
      return one("lt", t);
    case "semver_lte":
      return one("lte", t);
    case "semver_tilde":
      return between(t, [t[0], t[1] + 1, 0]);
    case "semver_caret": {
      const upper: Triple = t[0] > 0 ? [t[0] + 1, 0, 0] : t[1] > 0 ? [0, t[1] + 1, 0] : [0, 0, t[2] + 1];
      return between(t, upper);
    }
    default:
      return `operator ${operator}`;
  }
}

/** A wildcard part: digits without a leading zero (an empty part is refused, unlike a version's). */
function strictPart(part: string | undefined): number | undefined {
  if (part === undefined || !/^\d+$/.test(part) || (part.length > 1 && part.startsWith("0")))
    return undefined;
  return Number.parseInt(part, 10);
}
