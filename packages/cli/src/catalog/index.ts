export { COMMANDS, type CommandEntry, type CommandHandler } from "./commands.js";
export { commandHelp, mainHelp } from "./help.js";
