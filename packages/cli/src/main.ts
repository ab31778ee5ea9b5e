import { readFileSync } from "node:fs";
import { formatIssue, isManifestError } from "@assay/config";
import { ExperimentError } from "@assay/core";
import { assign } from "./commands/assign.js";
import { flag } from "./commands/flag.js";
import { importCommand } from "./commands/import.js";
import { results } from "./commands/results.js";
import { validate } from "./commands/validate.js";
import { CliError, EXIT } from "./exit-codes.js";
import { type Io, write } from "./io.js";

const HELP = `assay: vendor-neutral experiments for TypeScript servers

usage:
  assay validate [PATH] [--env NAME]         check a manifest (default ./assay.toml or $ASSAY_MANIFEST),
                                             merged with an environment's overrides (default $ASSAY_ENV)
  assay assign <experiment> --user ID        which variant a unit gets, as JSON lines
               [--session ID | --users FILE | --sessions FILE] [--attr key=value]... [--env NAME] [--manifest PATH]
  assay flag <key> --user ID                 whether a feature flag is on for a unit, and its value, as JSON
             [--session ID] [--attr key=value]... [--env NAME] [--manifest PATH]
  assay results <experiment> [--metric M] [--json] [--manifest PATH]
  assay import growthbook <payload.json> [-o FILE]       an assay.toml reproducing GrowthBook's assignments
  assay import posthog <flag-definitions.json> [-o FILE] the same from PostHog flag definitions
  assay --version | --help

exit codes: 0 ok, 1 invalid manifest or input file, 2 usage error or experiment error (code on stderr)
`;

const COMMANDS: Record<string, (args: readonly string[], io: Io) => Promise<number>> = {
  validate,
  assign,
  flag,
  results,
  import: importCommand,
};

/** Runs the assay command with `argv` (without node and the script) and returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    await write(io.stdout, HELP);
    return command === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (command === "--version") {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    await write(io.stdout, `${pkg.version}\n`);
    return EXIT.OK;
  }
  const handler = COMMANDS[command];
  if (handler === undefined) {
    await write(
      io.stderr,
      `assay: unknown command ${JSON.stringify(command)}; commands: ${Object.keys(COMMANDS).join(", ")}\n`,
    );
    return EXIT.USAGE;
  }
  try {
    return await handler(args, io);
  } catch (error) {
    if (error instanceof CliError) {
      await write(io.stderr, `assay ${command}: ${error.message}\n`);
      return error.exitCode;
    }
    if (isManifestError(error)) {
      await write(io.stderr, `${error.issues.map(formatIssue).join("\n")}\n`);
      return EXIT.INVALID;
    }
    if (ExperimentError.is(error)) {
      await write(io.stderr, `${error.code}: ${error.message}\n`);
      return EXIT.USAGE;
    }
    throw error;
  }
}
