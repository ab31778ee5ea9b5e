import type { OptionIssue } from "../plugin/plugins.js";
import { nearest } from "./suggest.js";

/**
 * The issue for an option a plugin does not accept, worded like the manifest's own unknown keys: the nearest
 * valid option when the key looks like a typo of one, else the list of valid options.
 */
export function unknownOptionIssue(key: string, validKeys: readonly string[], plugin: string): OptionIssue {
  const guess = nearest(key, validKeys);
  const hint =
    guess !== undefined
      ? `did you mean \`${guess}\`?`
      : `${plugin} accepts ${validKeys.length === 0 ? "no options" : validKeys.map((k) => `\`${k}\``).join(", ")}`;
  return { key, message: `unknown option \`${key}\`; ${hint}` };
}
