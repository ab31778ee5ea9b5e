export * from "./checks.js";
export { StatsInputError } from "./stats-input-error.js";
