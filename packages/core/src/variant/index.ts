export { type AssignmentReason, makeVariant, type Variant, type VariantValue } from "./variant.js";
