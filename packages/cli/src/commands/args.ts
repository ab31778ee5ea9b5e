import { CliError, EXIT } from "../exit-codes.js";

/** `--attr key=value` pairs as a frozen attributes object; a pair without `=` is a usage error. */
export function parseAttributes(pairs: readonly string[]): Readonly<Record<string, string>> {
  const attributes: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new CliError(`--attr ${JSON.stringify(pair)}: expected key=value`, EXIT.USAGE);
    attributes[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return Object.freeze(attributes);
}
