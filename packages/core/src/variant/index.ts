export { type AssignmentReason, makeVariant, type Variant } from "./variant.js";
