/** Exit codes of the assay command. */
export const EXIT = {
  OK: 0,
  /** The manifest (or an input file) is invalid. */
  INVALID: 1,
  /** A usage error, or an ExperimentError (unknown experiment, bad context): the code is printed on stderr. */
  USAGE: 2,
} as const;

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
