/** Writing TOML text that reads back as exactly the value given, whatever characters the value holds. */

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

const hex4 = (c: number) => c.toString(16).toUpperCase().padStart(4, "0");

/** True at index i of an unpaired surrogate (a code unit TOML, being Unicode, cannot hold). */
function unpaired(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = s.charCodeAt(i + 1);
    return !(next >= 0xdc00 && next <= 0xdfff);
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const previous = s.charCodeAt(i - 1);
    return !(previous >= 0xd800 && previous <= 0xdbff);
  }
  return false;
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\f": "\\f",
  "\r": "\\r",
};

/**
 * A TOML basic string: quote and backslash escaped, every control character (U+0000-U+001F, DEL, C1) and the
 * line separators as `\uXXXX`. An unpaired surrogate cannot be written and throws: the payload reader refuses
 * them first, so reaching it here is a bug.
 */
export function tomlString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charAt(i);
    const c = s.charCodeAt(i);
    const escaped = ESCAPES[ch];
    if (escaped !== undefined) out += escaped;
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) out += `\\u${hex4(c)}`;
    else if (unpaired(s, i))
      throw new RangeError(`cannot write an unpaired surrogate (U+${hex4(c)}) in TOML`);
    else out += ch;
  }
  return `${out}"`;
}

/** A key: bare when it can be, else quoted, so no key can open a table or end the line. */
export function tomlKey(k: string): string {
  return BARE_KEY.test(k) ? k : tomlString(k);
}

/**
 * A number in its shortest exact form: integers within 2^53 as TOML integers, anything else as a float with a
 * fraction or exponent (`1e-7` becomes `1.0e-7`, 1e21 `1.0e+21`; TOML integers stop at 2^63). Non-finite
 * numbers throw (the payload reader refuses them).
 */
export function tomlNumber(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`cannot write ${x} in a manifest`);
  if (Number.isSafeInteger(x)) return String(x);
  const s = Number.isInteger(x) ? x.toExponential() : String(x);
  return /^-?\d+e/.test(s) ? s.replace("e", ".0e") : s;
}

/** An inline TOML value: strings, finite numbers, booleans, arrays and inline tables. */
export function tomlValue(v: unknown): string {
  if (typeof v === "string") return tomlString(v);
  if (typeof v === "number") return tomlNumber(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(", ")}]`;
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    return `{ ${entries.map(([k, x]) => `${tomlKey(k)} = ${tomlValue(x)}`).join(", ")} }`;
  }
  throw new RangeError(`cannot write ${String(v)} in a manifest`);
}

/**
 * Comment lines, one per line of `text`, each starting with `prefix`. A comment ends at the line's end, so every
 * character that could end it or that TOML forbids in it (controls other than tab, line separators, unpaired
 * surrogates) is written as the six characters `\uXXXX`: a payload string cannot break out of a comment.
 */
export function tomlComment(text: string, prefix = "# "): string {
  let out = prefix;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const forbidden =
      (c < 0x20 && c !== 0x09) ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0x2028 ||
      c === 0x2029 ||
      unpaired(text, i);
    out += forbidden ? `\\u${hex4(c)}` : text.charAt(i);
  }
  return out;
}
