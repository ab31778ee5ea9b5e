import type { FlagValueType } from "@openfeature/server-sdk";

/** Whether `value` is of the type the app asked for (an object evaluation takes a table or a list). */
export function isOfType(value: unknown, type: FlagValueType): boolean {
  if (type === "object") return typeof value === "object" && value !== null;
  return typeof value === type;
}

/** How a value reads in a TYPE_MISMATCH message: its kind, and a short preview of it. */
export function describeValue(value: unknown): string {
  const kind = value === null ? "null" : Array.isArray(value) ? "list" : typeof value;
  const text = JSON.stringify(value) ?? String(value);
  return `a ${kind} value (${text.length > 60 ? `${text.slice(0, 60)}…` : text})`;
}
