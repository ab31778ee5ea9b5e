/**
 * Manifest targeting an import writes: `include` rules must all hold, no `exclude` rule may hold (the
 * manifest's `targeting` table, read by `@assay/core`'s compileTargeting).
 */
export interface ImportedTargeting {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** A vendor condition translated, or why it cannot be (then nothing of it is written: all or nothing). */
export type TranslatedCondition =
  | { readonly ok: true; readonly include: string[]; readonly exclude: string[] }
  | { readonly ok: false; readonly reason: string };

/** Names a targeting rule can read as an attribute (`userId` and `sessionId` are the context's ids). */
const RULE_ATTRIBUTE = /^[A-Za-z_][A-Za-z0-9_:-]*$/;

/**
 * The rule attribute for a vendor attribute name, or undefined when Assay cannot read it the same way: a name
 * with characters a rule cannot spell, one with a dot (vendors read `a.b` as a nested path, Assay as one key), or
 * one of Assay's reserved id names (a vendor attribute `userId` is not the context's user id).
 */
export function ruleAttribute(name: string, userIdName: string): string | undefined {
  if (name === userIdName) return "userId";
  if (name === "userId" || name === "sessionId") return undefined;
  return RULE_ATTRIBUTE.test(name) ? name : undefined;
}

/** A rule value as a double-quoted string: `"` and `\` escaped, every other character as it is. */
export function ruleString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A number as a rule value (the rule grammar's decimal form); undefined for one it cannot spell. */
export function ruleNumber(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  const text = String(value);
  return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? text : undefined;
}

/** `value` as a regular-expression source that matches it literally. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`);
}

/**
 * A regular-expression source matching `value` with ASCII letters in either case (`Ab` -> `[aA][bB]`), as
 * vendors that lowercase only A-Z compare. With `unicodeLowercase`, also the characters whose full
 * `toLowerCase()` is that ASCII letter (the Kelvin sign for k): a match then equals `x.toLowerCase() ===
 * value.toLowerCase()` for an ASCII `value`.
 */
export function caseInsensitiveSource(value: string, unicodeLowercase = false): string {
  let out = "";
  for (const c of value) {
    const lower = c.toLowerCase();
    if (c.length === 1 && /[a-zA-Z]/.test(c)) {
      const extra = unicodeLowercase && lower === "k" ? "\\u212a" : "";
      out += `[${lower}${lower.toUpperCase()}${extra}]`;
    } else out += escapeRegex(c);
  }
  return out;
}
