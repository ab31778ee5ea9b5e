import { isRuleSyntaxError, parseRule } from "@assay/core";
import { UNIT_PATTERN } from "../schema/experiment-schema.js";
import type { TableRule } from "../schema/table.js";
import { nearest } from "../suggest.js";
import { isTable } from "../toml-value.js";

/** The units every context has. */
const BUILT_IN_UNITS = ["user", "session"] as const;

/**
 * An experiment's `unit` is "user", "session", or an attribute the manifest declares: in the top-level
 * `attributes = [...]`, or by using it in a targeting rule. A misspelt unit (`"sesion"`) is otherwise an
 * attribute no context carries, and the experiment enrolls nobody, silently.
 */
export const unitRule: TableRule = (manifest, _path, ctx) => {
  // Read raw (the fields report their own type errors); this module must not import the manifest schema.
  const declared = new Set<string>();
  if (Array.isArray(manifest.attributes)) {
    for (const name of manifest.attributes) if (typeof name === "string") declared.add(name);
  }
  for (const attribute of targetedAttributes(manifest)) declared.add(attribute);
  const plugins = Array.isArray(manifest.plugins) ? manifest.plugins : [];
  for (const [p, plugin] of plugins.entries()) {
    if (!isTable(plugin) || !Array.isArray(plugin.experiments)) continue;
    for (const [i, experiment] of plugin.experiments.entries()) {
      if (!isTable(experiment)) continue;
      const unit = experiment.unit;
      // a unit that is no name at all is the field's to report
      if (typeof unit !== "string" || !UNIT_PATTERN.test(unit)) continue;
      if ((BUILT_IN_UNITS as readonly string[]).includes(unit) || declared.has(unit)) continue;
      const candidates = [...BUILT_IN_UNITS, ...declared];
      const near = nearest(unit, candidates);
      const known = declared.size === 0 ? "" : `, or a declared attribute (${[...declared].join(", ")})`;
      ctx.report(
        ["plugins", p, "experiments", i, "unit"],
        `unit \`${unit}\` is not "user", "session"${known}${near === undefined ? "" : `; did you mean \`${near}\`?`}` +
          ` (to randomize by an attribute, declare it at the top: attributes = ["${unit}"])`,
      );
    }
  }
};

/** The attribute names of every targeting rule in the document, wherever a `targeting` table is. */
function* targetedAttributes(value: unknown): Generator<string> {
  if (Array.isArray(value)) {
    for (const item of value) yield* targetedAttributes(item);
    return;
  }
  if (!isTable(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === "targeting" && isTable(child)) {
      for (const list of [child.include, child.exclude]) {
        if (!Array.isArray(list)) continue;
        for (const text of list) {
          if (typeof text !== "string") continue;
          const rule = parseRule(text);
          if (!isRuleSyntaxError(rule)) yield rule.attribute;
        }
      }
    } else {
      yield* targetedAttributes(child);
    }
  }
}
