import { readFileSync } from "node:fs";
import { COMMANDS, commandHelp, mainHelp } from "./catalog/index.js";
import { CliError, EXIT } from "./exit-codes.js";
import { describeFailure } from "./failure.js";
import { type Io, write } from "./io.js";
import { suggestion } from "./suggest.js";

/**
 * Runs the assay command with `argv` (without node and the script) and returns the exit code. Only the
 * command that runs is imported, so `--version` and `--help` start in tens of milliseconds.
 */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined) {
    await write(io.stderr, mainHelp());
    return EXIT.USAGE;
  }
  if (command === "--help" || command === "-h") {
    await write(io.stdout, mainHelp());
    return EXIT.OK;
  }
  if (command === "--version" || command === "-v") {
    await write(io.stdout, `${version()}\n`);
    return EXIT.OK;
  }
  if (command === "help") return help(args, io);
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (entry === undefined) {
    const near = await suggestion(command, Object.keys(COMMANDS));
    const what = command.startsWith("-") ? "option" : "command";
    await write(
      io.stderr,
      `assay: unknown ${what} ${JSON.stringify(command)}${near === undefined ? "" : `; did you mean ${JSON.stringify(near)}?`}` +
        ` (commands: ${Object.keys(COMMANDS).join(", ")}; assay --help lists them)\n`,
    );
    return EXIT.USAGE;
  }
  if (asksForHelp(args)) {
    await write(io.stdout, commandHelp(command)!);
    return EXIT.OK;
  }
  try {
    const handler = await entry.load();
    return await handler(args, io);
  } catch (error) {
    return report(command, error, io);
  }
}

/** `assay help [command]`. */
async function help(args: readonly string[], io: Io): Promise<number> {
  const [topic] = args;
  if (topic === undefined) {
    await write(io.stdout, mainHelp());
    return EXIT.OK;
  }
  const text = commandHelp(topic);
  if (text !== undefined) {
    await write(io.stdout, text);
    return EXIT.OK;
  }
  const near = await suggestion(topic, Object.keys(COMMANDS));
  await write(
    io.stderr,
    `assay help: no command ${JSON.stringify(topic)}${near === undefined ? "" : `; did you mean ${JSON.stringify(near)}?`} (commands: ${Object.keys(COMMANDS).join(", ")})\n`,
  );
  return EXIT.USAGE;
}

/** `-h` or `--help` among the options; after `--` they are arguments. */
function asksForHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}

/** Prints a command's error on stderr and returns its exit code: 1 findings, 2 usage, 3 failure. */
async function report(command: string, error: unknown, io: Io): Promise<number> {
  if (error instanceof CliError) {
    await write(io.stderr, `assay ${command}: ${error.message}\n`);
    return error.exitCode;
  }
  // The error classes come from the packages the command loaded; importing them here would load them always.
  const { isManifestError, formatIssue } = await import("@assay/config");
  if (isManifestError(error)) {
    await write(io.stderr, `${error.issues.map(formatIssue).join("\n")}\n`);
    return EXIT.INVALID;
  }
  const { ExperimentError } = await import("@assay/core");
  if (ExperimentError.is(error) && error.code !== "BACKEND") {
    await write(io.stderr, `${error.code}: ${error.message}\n`);
    return EXIT.USAGE;
  }
  await write(io.stderr, `assay ${command}: ${describeFailure(error)}\n`);
  if (io.env.ASSAY_DEBUG !== undefined && error instanceof Error && error.stack !== undefined) {
    await write(io.stderr, `${error.stack}\n`);
  }
  return EXIT.FAILURE;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}
