import { isTable } from "./toml-value.js";

/** How a TOML value reads in a message: `"50" (a string)`, `nan`, `-inf`, `an array`, `a table`. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return `${JSON.stringify(value)} (a string)`;
    case "number":
      if (Number.isNaN(value)) return "nan";
      if (value === Number.POSITIVE_INFINITY) return "inf";
      if (value === Number.NEGATIVE_INFINITY) return "-inf";
      return String(value);
    case "bigint":
      return `${value} (an integer too large for a number)`;
    case "boolean":
      return String(value);
    default:
      if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
      if (value instanceof Date) return "a date/time";
      if (isTable(value)) return "a table";
      return String(value);
  }
}
