import type { OptionIssue } from "@assay/core";
import { issueAt, type Locatable, type ManifestIssue } from "./issue.js";
import type { PluginEntry } from "./manifest.js";

/**
 * Turns an issue a plugin's `validateOptions` returned into a manifest issue at the option's key:
 * `{ key: "retry.max" }` of `plugins[1]` is reported at `plugins[1].options.retry.max` (or, if the option
 * is not written, at the nearest table that is). An empty key means the `options` table as a whole.
 */
export function optionIssue(
  manifest: Locatable,
  plugin: Pick<PluginEntry, "path">,
  issue: OptionIssue,
): ManifestIssue {
  const keys = issue.key === "" ? [] : issue.key.split(".");
  return issueAt(manifest, [...plugin.path, "options", ...keys], issue.message, "key");
}
