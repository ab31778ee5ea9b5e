import { StatsInputError } from "./stats-input-error.js";

/** Short rendering of an unexpected value for error messages. */
export function show(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

export function checkCount(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new StatsInputError(field, `must be a non-negative integer, got ${show(value)}`);
  }
  return value;
}

export function checkFinite(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new StatsInputError(field, `must be a finite number, got ${show(value)}`);
  }
  return value;
}

export function checkPositive(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new StatsInputError(field, `must be a finite number greater than 0, got ${show(value)}`);
  }
  return value;
}

export function checkNonNegative(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new StatsInputError(field, `must be a finite number of at least 0, got ${show(value)}`);
  }
  return value;
}

/** A probability strictly between 0 and 1 (alpha, power). */
export function checkOpenUnit(value: unknown, field: string): number {
  if (typeof value !== "number" || !(value > 0 && value < 1)) {
    throw new StatsInputError(field, `must be a number strictly between 0 and 1, got ${show(value)}`);
  }
  return value;
}

export function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new StatsInputError(
      field,
      `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${show(value)}`,
    );
  }
  return value as T;
}

export function checkObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new StatsInputError(field, `must be an object, got ${show(value)}`);
  }
  return value as Record<string, unknown>;
}
