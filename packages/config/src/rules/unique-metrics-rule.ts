import type { ManifestPath } from "../path.js";
import { peek } from "../schema/check.js";
import { text } from "../schema/scalars.js";
import type { TableRule } from "../schema/table.js";
import { isTable } from "../toml-value.js";
import { type Occurrence, reportDuplicates } from "./duplicates.js";

const LISTS = ["primary", "secondary", "guardrails"] as const;
const name = text({ expected: "a metric name" });

/**
 * A metric plays one role in an analysis plan: listed once across `primary`, `secondary` and `guardrails`.
 * Each repeat is reported at its name, with the line of the first.
 */
export const uniqueMetricsRule: TableRule = (analysis, path, ctx) => {
  const occurrences: Occurrence[] = [];
  for (const list of LISTS) {
    const entries = analysis[list];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry: unknown, index) => {
      const at: ManifestPath = [...path, list, index];
      if (typeof entry === "string") {
        const metric = peek(name, entry);
        if (metric !== undefined) occurrences.push({ value: metric, path: at });
      } else if (isTable(entry)) {
        const metric = peek(name, entry.metric);
        if (metric !== undefined) occurrences.push({ value: metric, path: [...at, "metric"] });
      }
    });
  }
  reportDuplicates(occurrences, ctx, "metric", "within an analysis plan (a metric plays one role)");
};
