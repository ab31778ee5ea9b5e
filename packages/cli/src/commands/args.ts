import { type ParseArgsConfig, parseArgs } from "node:util";
import { nearest } from "@assay/core";
import { CliError, EXIT } from "../exit-codes.js";

type CommandOptions = NonNullable<ParseArgsConfig["options"]>;

/**
 * A command's flags and positionals; an unknown or malformed flag is a usage error that shows `usage`, and a
 * mistyped flag names the one meant (`--usr` -> did you mean --user?).
 */
export function parseCommandArgs<const O extends CommandOptions>(
  args: readonly string[],
  options: O,
  usage: string,
): ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: O }>> {
  try {
    return parseArgs({ args: [...args], allowPositionals: true, options });
  } catch (error) {
    const unknown = unknownOption(error);
    if (unknown === undefined) throw new CliError(`${(error as Error).message}\n${usage}`, EXIT.USAGE);
    const near = nearest(unknown.replace(/^-+/, "").split("=")[0]!, Object.keys(options));
    const hint = near === undefined ? "" : `; did you mean --${near}?`;
    throw new CliError(`unknown option ${unknown}${hint}\n${usage}\n(--help lists the options)`, EXIT.USAGE);
  }
}

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

/** The flag node's parseArgs refused as unknown (its message also explains `--`, which is noise here). */
function unknownOption(error: unknown): string | undefined {
  if ((error as NodeJS.ErrnoException).code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") return undefined;
  return /Unknown option '([^']+)'/.exec((error as Error).message)?.[1];
}
