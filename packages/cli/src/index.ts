export { CliError, EXIT } from "./exit-codes.js";
export type { Io } from "./io.js";
export { run } from "./main.js";
