import { isTable } from "../toml-value.js";
import { type Check, INVALID } from "./check.js";
import { mismatch } from "./scalars.js";

/** Any table, passed through as is (plugin options: the plugin validates their content). */
export function anyTable(options: { expected: string }): Check<Readonly<Record<string, unknown>>> {
  return (value, path, ctx) => (isTable(value) ? value : mismatch(ctx, path, options.expected, value));
}

/**
 * An array whose elements all pass `element`. Every element is checked (all problems are reported), and
 * the array is invalid if any element is. `min` requires that many elements, saying why.
 */
export function arrayOf<T>(
  element: Check<T>,
  options: { expected: string; min?: { count: number; why: string } },
): Check<T[]> {
  return (value, path, ctx) => {
    if (!Array.isArray(value)) return mismatch(ctx, path, options.expected, value);
    const { min } = options;
    let valid = true;
    if (min && value.length < min.count) {
      ctx.report(path, `must have at least ${min.count} ${min.why}, got ${value.length}`);
      valid = false;
    }
    const out: T[] = [];
    value.forEach((item, index) => {
      const checked = element(item, [...path, index], ctx);
      if (checked === INVALID) valid = false;
      else out.push(checked);
    });
    return valid ? out : INVALID;
  };
}
