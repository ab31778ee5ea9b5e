import { type OptionIssue, unknownOptionIssue } from "@assay/core";

/** How one manifest option is checked, and the hint an error shows ("must be <hint>, got …"). */
export interface OptionSpec {
  readonly check: (value: unknown) => boolean;
  readonly hint: string;
}

/** A non-empty string (keys, hosts, paths). */
export const nonEmptyString = (hint: string): OptionSpec => ({
  check: (v) => typeof v === "string" && v !== "",
  hint,
});

/** A finite number > 0 (seconds). */
export const positiveNumber = (hint: string): OptionSpec => ({
  check: (v) => typeof v === "number" && Number.isFinite(v) && v > 0,
  hint,
});

/** A whole number >= `min`. */
export const wholeNumber = (min: number, hint: string): OptionSpec => ({
  check: (v) => typeof v === "number" && Number.isInteger(v) && v >= min,
  hint,
});

/** A table of non-empty strings (Assay id = vendor key). */
export const stringTable = (hint: string): OptionSpec => ({
  check: (v) =>
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((s) => typeof s === "string" && s !== ""),
  hint,
});

/** `context_memory`: how many assign-time contexts an adapter keeps (see AssignedContexts). */
export const CONTEXT_MEMORY_OPTION: OptionSpec = wholeNumber(
  0,
  "a whole number >= 0 (assign-time contexts remembered for exposures and outcomes)",
);

/**
 * Checks every key of a manifest `options` table against `specs`: an unknown key gets a did-you-mean issue
 * naming the plugin, a bad value "must be <hint>, got <value>". Cross-option rules stay with the adapter.
 */
export function checkOptions(
  options: Readonly<Record<string, unknown>>,
  specs: Readonly<Record<string, OptionSpec>>,
  plugin: string,
): OptionIssue[] {
  const issues: OptionIssue[] = [];
  for (const [key, value] of Object.entries(options)) {
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (spec === undefined) issues.push(unknownOptionIssue(key, Object.keys(specs), plugin));
    else if (!spec.check(value))
      issues.push({ key, message: `must be ${spec.hint}, got ${JSON.stringify(value)}` });
  }
  return issues;
}
