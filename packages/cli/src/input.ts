import { readFile } from "node:fs/promises";
import { CliError, EXIT } from "./exit-codes.js";
import type { Io } from "./io.js";

/** The name `-` stands for in messages. */
export const STDIN = "-";

/**
 * The UTF-8 text of `path`, or of stdin when `path` is `-` (`cut -f1 users.csv | assay assign X --users -`).
 * A file that cannot be read is an input error (exit 1) naming it and the reason.
 */
export async function readInput(path: string, io: Io, flag: string): Promise<string> {
  if (path === STDIN) {
    if (io.stdin === undefined) throw new CliError(`${flag} -: no standard input here`, EXIT.USAGE);
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory"
          : (code ?? (error as Error).message);
    throw new CliError(`${flag} ${path}: cannot read: ${reason}`, EXIT.INVALID);
  }
}
