import { readTomlDocument } from "@assay/config";
import type { HashingMode } from "@assay/core";
import type { ImportedExperiment, ImportResult } from "./imported.js";
import { tomlComment, tomlKey, tomlValue } from "./toml-text.js";

/**
 * The generated manifest does not read back as the structure it was written from: a bug of the import (the
 * payload was checked before), reported as an internal failure and never written.
 */
export class ImportWriteError extends Error {
  override readonly name = "ImportWriteError";
}

/** A TOML table as the manifest parser reads it back: keys in writing order, no undefined values. */
type Table = { [key: string]: TomlData };
type TomlData = string | number | boolean | readonly TomlData[] | Table;

const snake: Record<string, string> = {
  experimentId: "experiment_id",
  bucketingId: "bucketing_id",
  groupId: "group_id",
  variantGroupId: "variant_group_id",
  variantStickiness: "variant_stickiness",
  toggleVariants: "toggle_variants",
  flagKey: "flag_key",
  skipRules: "skip_rules",
};

/**
 * A plain-data copy of `value` without undefined entries, hashing keys in the manifest's snake_case, and the
 * keys of tables in its arrays (Unleash strategies) too; a nested table keyed by payload names is kept as is.
 */
function data(value: unknown, rename: Record<string, string> = {}): TomlData {
  if (Array.isArray(value)) return value.map((v) => data(v, rename));
  if (typeof value === "object" && value !== null) {
    const table: Table = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined)
        Object.defineProperty(table, rename[k] ?? k, {
          value: data(v, Array.isArray(v) ? rename : {}),
          enumerable: true,
        });
    }
    return table;
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  throw new ImportWriteError(`cannot write ${String(value)} as TOML`);
}

/** The `[[plugins.experiments]]` table of one imported experiment, as the manifest should read. */
export function experimentTable(e: ImportedExperiment): Table {
  const table: Table = {
    id: e.id,
    variants: e.variants.map((v) => ({
      id: v.id,
      weight: v.weight,
      ...(v.isControl ? { is_control: true } : {}),
    })),
  };
  if (e.unit !== "user") table.unit = e.unit;
  if (e.traffic !== 1) table.traffic = e.traffic;
  if (!e.enabled) table.enabled = false;
  if (e.targeting !== undefined && e.targeting.include.length + e.targeting.exclude.length > 0) {
    table.targeting = {
      ...(e.targeting.include.length > 0 ? { include: [...e.targeting.include] } : {}),
      ...(e.targeting.exclude.length > 0 ? { exclude: [...e.targeting.exclude] } : {}),
    };
  }
  if (e.forced !== undefined) {
    const forced: Table = {};
    for (const [variant, units] of Object.entries(e.forced))
      Object.defineProperty(forced, variant, { value: [...units], enumerable: true });
    table.forced = forced;
  }
  table.hashing = data(e.hashing satisfies HashingMode, snake);
  return table;
}

/** The whole document the import means to write: one experiment-hash plugin holding every experiment. */
export function manifestDocument(result: ImportResult, pluginName = "experiment-hash"): Table {
  const attributes = attributeUnits(result);
  return {
    ...(attributes.length > 0 ? { attributes } : {}),
    plugins: [
      {
        name: pluginName,
        source: "@assay/experiment-hash",
        experiments: result.experiments.map(experimentTable),
      },
    ],
  };
}

/** The attributes the experiments randomize by (units other than user and session), once each. */
function attributeUnits(result: ImportResult): string[] {
  return [...new Set(result.experiments.map((e) => e.unit))].filter((u) => u !== "user" && u !== "session");
}

function tableLines(table: Table): string[] {
  return Object.entries(table).map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v)}`);
}

/** One `[[plugins.experiments]]` table, preceded by what it cannot reproduce as comments. */
export function experimentToml(e: ImportedExperiment): string {
  const lines: string[] = [tomlComment(`from ${e.origin}`)];
  if (e.notReproduced.length > 0) {
    lines.push("# NOT reproduced by hashing (units concerned may get another variant):");
    for (const note of e.notReproduced) lines.push(tomlComment(note, "#   - "));
  }
  lines.push("[[plugins.experiments]]");
  const { variants, ...rest } = experimentTable(e);
  const [first, ...after] = tableLines(rest);
  lines.push(first!, "variants = [");
  for (const v of variants as readonly TomlData[]) lines.push(`  ${tomlValue(v)},`);
  lines.push("]", ...after);
  return lines.join("\n");
}

const VENDOR_NAMES: Record<ImportResult["vendor"], string> = {
  growthbook: "GrowthBook",
  posthog: "PostHog",
  optimizely: "Optimizely",
  unleash: "Unleash",
  statsig: "Statsig",
};

const APP_STATE: Record<ImportResult["vendor"], readonly string[]> = {
  growthbook: [
    "Not in the payload, so not listed below: forcedVariations, overrides, query-string forcing and QA mode set in",
    "the SDK context, and a sticky bucket service. Check your app for them.",
  ],
  optimizely: [
    "Not in the datafile, so not listed below: forced variations set in the app (setForcedVariation), user profile",
    "service stickiness, and $opt_bucketing_id (set hashing.bucketing_id to the attribute carrying it). The first",
    "variation of each experiment is taken as the control. Check your app for them.",
  ],
  unleash: [
    "Not in the toggles, so not listed below: custom strategies implemented in the app, and context fields the app",
    "sets other than userId, sessionId and properties (Assay's attributes are the properties). Check your app for them.",
  ],
  statsig: [
    "Not in the payload, so not listed below: overrides set in the SDK (overrideGate, overrideExperiment),",
    "persistent assignments (userPersistedValues), and the environment tier and global custom fields of the SDK's",
    "options. The mode reads the payload file named in each hashing table: keep it beside this manifest. Targeting",
    "reads the StatsigUser's fields from the context as string attributes: email, country, ip, locale, appVersion,",
    "userAgent, and custom fields by their name. Check your app for them.",
  ],
  posthog: [
    "Not in the definitions, so not listed below: flag overrides set in the app and hash-key overrides stored by",
    "PostHog (experience continuity). Check your app for them.",
  ],
};

/**
 * An `assay.toml` with one experiment-hash plugin serving the imported experiments, each in its vendor's
 * hashing mode; what hashing cannot reproduce is written as comments above each experiment. Every string from
 * the payload is escaped (values as TOML strings, comments with control characters spelled `\u000a`), and the
 * text is parsed back and compared with {@link manifestDocument} before it is returned: a difference throws
 * {@link ImportWriteError}, so no comment, key or table can be broken out of unnoticed.
 */
export function manifestToml(result: ImportResult, source: string, pluginName = "experiment-hash"): string {
  const parts: string[] = [];
  parts.push(
    [
      tomlComment(`Imported by \`assay import ${result.vendor}\` from ${source}.`),
      `# Each experiment buckets units as ${VENDOR_NAMES[result.vendor]} does (hashing mode "${result.vendor}"), so switching`,
      "# to this manifest moves nobody the hash decides. What a hash cannot reproduce is listed above each experiment.",
      ...APP_STATE[result.vendor].map((line) => tomlComment(line)),
      ...(result.skipped.length > 0
        ? ["# Left out (not experiments):", ...result.skipped.map((s) => tomlComment(s, "#   - "))]
        : []),
    ].join("\n"),
  );
  const attributes = attributeUnits(result);
  // a unit other than user/session must be a declared attribute (config's unit rule)
  if (attributes.length > 0) parts.push(`attributes = ${tomlValue(attributes)}`);
  parts.push(`[[plugins]]\nname = ${tomlValue(pluginName)}\nsource = "@assay/experiment-hash"`);
  for (const e of result.experiments) parts.push(experimentToml(e));
  const toml = `${parts.join("\n\n")}\n`;
  checkReadsBack(toml, manifestDocument(result, pluginName));
  return toml;
}

/** Throws {@link ImportWriteError} unless `toml` parses to exactly `intended` (same keys, order of arrays, values). */
export function checkReadsBack(toml: string, intended: Table): void {
  let parsed: unknown;
  try {
    parsed = readTomlDocument(toml);
  } catch (error) {
    throw new ImportWriteError(`the generated manifest is not valid TOML: ${(error as Error).message}`);
  }
  const at = difference(parsed, intended, "");
  if (at !== undefined) {
    throw new ImportWriteError(`the generated manifest does not read back as intended at ${at || "the top"}`);
  }
}

/** The path of the first place `actual` differs from `expected` (keys, order of arrays, values), or undefined. */
function difference(actual: unknown, expected: TomlData, path: string): string | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return path;
    for (let i = 0; i < expected.length; i++) {
      const at = difference(actual[i], expected[i]!, `${path}[${i}]`);
      if (at !== undefined) return at;
    }
    return undefined;
  }
  if (typeof expected === "object") {
    if (typeof actual !== "object" || actual === null || Array.isArray(actual)) return path;
    const keys = Object.keys(expected);
    const actualKeys = Object.keys(actual);
    if (actualKeys.length !== keys.length || actualKeys.some((k) => !Object.hasOwn(expected, k))) return path;
    for (const k of keys) {
      const at = difference((actual as Record<string, unknown>)[k], (expected as Table)[k]!, `${path}.${k}`);
      if (at !== undefined) return at;
    }
    return undefined;
  }
  return actual === expected ? undefined : path;
}
