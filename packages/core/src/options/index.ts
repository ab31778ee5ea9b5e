export { editDistance, nearest } from "./suggest.js";
export { unknownOptionIssue } from "./unknown-option.js";
