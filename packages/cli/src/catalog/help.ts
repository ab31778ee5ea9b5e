import { EXIT_CODES_HELP } from "../exit-codes.js";
import { COMMANDS } from "./commands.js";

/** How to run the command: the same words in the README, `--help` and every error hint. */
export const HOW_TO_RUN = `how to run it (npm alone; never \`npx assay\`, which would fetch whatever the registry calls "assay"):
  in the Assay repository:           npm run assay -- <command> [options]   (npm run -s ... for pipes)
  in an app that installs @assay/cli: npx @assay/cli <command> [options]
`;

/** `assay --help`: the commands, how to run them, and the exit codes. */
export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `assay: vendor-neutral experiments for TypeScript servers

usage: assay <command> [options]

commands:
${lines.join("\n")}
  ${"help".padEnd(width)}  assay help <command> shows a command's options (as does assay <command> --help)

options:
  -h, --help     this help
  -v, --version  the version of @assay/cli

${HOW_TO_RUN}
${EXIT_CODES_HELP}`;
}

/** `assay <command> --help` and `assay help <command>`; undefined for an unknown command. */
export function commandHelp(command: string): string | undefined {
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  return entry === undefined ? undefined : `${entry.help}\n${EXIT_CODES_HELP}`;
}
