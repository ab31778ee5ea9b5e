// Nearest-key suggestions live in @assay/core, so plugins checking their own options suggest the same way.
export { editDistance, nearest } from "@assay/core";
