import type { HashingMode } from "@assay/core";
import type { ImportedExperiment, ImportResult } from "./imported.js";

/** A TOML value: strings quoted (JSON escapes are TOML's), numbers in their shortest exact form. */
function value(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : exactFloat(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(value).join(", ")}]`;
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    return `{ ${entries.map(([k, x]) => `${k} = ${value(x)}`).join(", ")} }`;
  }
  throw new TypeError(`cannot write ${String(v)} as TOML`);
}

/** JS's shortest round-trip form is valid TOML once an exponent-only form gets a fraction (`1e-7` -> `1.0e-7`). */
function exactFloat(x: number): string {
  const s = String(x);
  return /^-?\d+e/.test(s) ? s.replace("e", ".0e") : s;
}

const snake: Record<string, string> = {
  experimentId: "experiment_id",
  bucketingId: "bucketing_id",
  groupId: "group_id",
  variantGroupId: "variant_group_id",
  flagKey: "flag_key",
};

function hashingTable(h: HashingMode): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) out[snake[k] ?? k] = v;
  return value(out);
}

function comment(text: string, prefix = "# "): string {
  return text
    .split("\n")
    .map((line) => `${prefix}${line}`)
    .join("\n");
}

/** One `[[plugins.experiments]]` table, preceded by what it cannot reproduce as comments. */
export function experimentToml(e: ImportedExperiment): string {
  const lines: string[] = [];
  lines.push(`# from ${e.origin}`);
  if (e.notReproduced.length > 0) {
    lines.push("# NOT reproduced by hashing (units concerned may get another variant):");
    for (const note of e.notReproduced) lines.push(comment(note, "#   - "));
  }
  lines.push("[[plugins.experiments]]");
  lines.push(`id = ${value(e.id)}`);
  lines.push("variants = [");
  for (const v of e.variants) {
    lines.push(
      `  { id = ${value(v.id)}, weight = ${value(v.weight)}${v.isControl ? ", is_control = true" : ""} },`,
    );
  }
  lines.push("]");
  if (e.unit !== "user") lines.push(`unit = ${value(e.unit)}`);
  if (e.traffic !== 1) lines.push(`traffic = ${value(e.traffic)}`);
  if (!e.enabled) lines.push("enabled = false");
  lines.push(`hashing = ${hashingTable(e.hashing)}`);
  return lines.join("\n");
}

const APP_STATE: Record<ImportResult["vendor"], string> = {
  growthbook:
    "Not in the payload, so not listed below: forcedVariations, overrides, query-string forcing and QA mode set in\n" +
    "the SDK context, and a sticky bucket service. Check your app for them.",
  posthog:
    "Not in the definitions, so not listed below: flag overrides set in the app and hash-key overrides stored by\n" +
    "PostHog (experience continuity). Check your app for them.",
};

/**
 * An `assay.toml` with one experiment-hash plugin serving the imported experiments, each in its vendor's
 * hashing mode; what hashing cannot reproduce is written as comments above each experiment.
 */
export function manifestToml(result: ImportResult, source: string, pluginName = "experiment-hash"): string {
  const parts: string[] = [];
  parts.push(
    [
      `# Imported by \`assay import ${result.vendor}\` from ${source}.`,
      `# Each experiment buckets units as ${result.vendor === "growthbook" ? "GrowthBook" : "PostHog"} does (hashing mode "${result.vendor}"), so switching`,
      "# to this manifest moves nobody the hash decides. What a hash cannot reproduce is listed above each experiment.",
      comment(APP_STATE[result.vendor]),
      ...(result.skipped.length > 0
        ? ["# Left out (not experiments):", ...result.skipped.map((s) => comment(s, "#   - "))]
        : []),
    ].join("\n"),
  );
  parts.push(`[[plugins]]\nname = ${value(pluginName)}\nsource = "@assay/experiment-hash"`);
  for (const e of result.experiments) parts.push(experimentToml(e));
  return `${parts.join("\n\n")}\n`;
}
