import type { ManifestPath } from "../path.js";
import { nearest } from "../suggest.js";
import { isTable } from "../toml-value.js";
import { type Check, type CheckContext, INVALID, type Invalid } from "./check.js";
import { mismatch } from "./scalars.js";

/** Whether a key must be written, may be left out, or falls back to a default when left out. */
export type Presence = "required" | "optional" | "default";

/** One allowed key of a table: how its value is checked, and what happens when it is absent. */
export interface Field<T, P extends Presence = Presence> {
  readonly presence: P;
  readonly check: Check<T>;
  /** The value used when the key is absent (presence "default"). */
  readonly fallback?: T;
  /** What the key is for, quoted when a required key is missing. */
  readonly about?: string;
}

/** A key that must be written; `about` says what to put there. */
export function required<T>(check: Check<T>, about: string): Field<T, "required"> {
  return { presence: "required", check, about };
}

/** A key that may be left out (its value is then undefined). */
export function optional<T>(check: Check<T>): Field<T, "optional"> {
  return { presence: "optional", check };
}

/** A key that takes `fallback` when left out. */
export function withDefault<T>(check: Check<T>, fallback: T): Field<T, "default"> {
  return { presence: "default", check, fallback };
}

/** Every field kind: Field is covariant in its value type. */
type AnyField = Field<unknown, Presence>;
/** The allowed keys of a table kind. */
export type Fields = Readonly<Record<string, AnyField>>;

/** The checked value of one field: undefined only for optional fields left out. */
export type FieldValue<F> =
  F extends Field<infer T, infer P> ? (P extends "optional" ? T | undefined : T) : never;
/** The checked values of all fields of a table. */
export type FieldValues<F extends Fields> = { readonly [K in keyof F]: FieldValue<F[K]> };

/**
 * A cross-field rule of a table kind (exactly one control, unique ids...). It runs on the raw table
 * whatever its fields' validity, reads what it needs with `peek`, and stays silent on what it cannot judge.
 */
export type TableRule = (
  table: Readonly<Record<string, unknown>>,
  path: ManifestPath,
  ctx: CheckContext,
) => void;

/**
 * A kind of table in the manifest, declared as data: its allowed keys, its cross-field rules, and how the
 * checked values become the output type. New keys are one more entry in `fields`.
 */
export interface TableSchema<F extends Fields, Out> {
  /** Where such a table is, as messages say it: "in variant" gives "unknown key `x` in variant". */
  readonly where: string;
  readonly fields: F;
  readonly rules?: readonly TableRule[];
  /** The output from valid fields; INVALID when building finds (and reports) a problem the fields could not. */
  build(values: FieldValues<F>, path: ManifestPath, ctx: CheckContext): Out | Invalid;
}

/**
 * The check for tables of one kind: rejects unknown keys (suggesting the nearest allowed one), reports
 * missing required keys at the table, checks every field, runs the rules, then builds the output.
 */
export function tableOf<F extends Fields, Out>(schema: TableSchema<F, Out>, expected: string): Check<Out> {
  const allowed = Object.keys(schema.fields);
  return (value, path, ctx) => {
    if (!isTable(value)) return mismatch(ctx, path, expected, value);
    let valid = true;
    // A misspelt required key is one mistake: "did you mean `weight`?" stands for "missing `weight`".
    const suggested = new Set<string>();
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(schema.fields, key)) continue;
      const suggestion = nearest(key, allowed);
      if (suggestion !== undefined) suggested.add(suggestion);
      ctx.report([...path, key], unknownKeyMessage(key, schema.where, allowed, suggestion), "key");
      valid = false;
    }
    const values: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(schema.fields)) {
      const checked = checkField(field, key, value, path, ctx, suggested.has(key));
      if (checked === INVALID) valid = false;
      else values[key] = checked;
    }
    for (const rule of schema.rules ?? []) rule(value, path, ctx);
    if (!valid) return INVALID;
    return schema.build(values as FieldValues<F>, path, ctx);
  };
}

function checkField(
  field: AnyField,
  key: string,
  table: Readonly<Record<string, unknown>>,
  path: ManifestPath,
  ctx: CheckContext,
  misspelt: boolean,
): unknown {
  if (Object.hasOwn(table, key)) return field.check(table[key], [...path, key], ctx);
  if (field.presence === "required") {
    if (!misspelt) ctx.report([...path, key], `missing required key \`${key}\` (${field.about})`);
    return INVALID;
  }
  return field.fallback;
}

function unknownKeyMessage(
  key: string,
  where: string,
  allowed: readonly string[],
  suggestion: string | undefined,
): string {
  if (suggestion !== undefined) return `unknown key \`${key}\` ${where}; did you mean \`${suggestion}\`?`;
  return `unknown key \`${key}\` ${where}; valid keys: ${allowed.map((k) => `\`${k}\``).join(", ")}`;
}
