/**
 * Exit codes of the assay command: the single source for every command, the README and `assay --help`.
 * Each outcome has its own code, so a script can tell "the manifest is wrong" (1) from "I called it wrong" (2)
 * from "the database is down" (3).
 */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** Findings: the manifest or an input file is invalid (validation errors). */
  INVALID: 1,
  /** A usage error (unknown command or flag, missing argument), or an ExperimentError such as an unknown experiment. */
  USAGE: 2,
  /** A backend, store or internal failure: the database is unreachable, a plugin failed, a bug. */
  FAILURE: 3,
} as const;

/** The exit codes as the README and `assay --help` list them. */
export const EXIT_CODES_HELP = `exit codes:
  0  ok
  1  findings: the manifest or an input file is invalid
  2  usage error: unknown command or flag, missing argument, unknown experiment
  3  failure: the store or a backend is unreachable or failed, or an internal error
`;

/** An error the command reports as one line on stderr before exiting with `code`. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
