import { dimensionNameProblem, MAX_DIMENSIONS } from "@assay/core";
import { type Check, INVALID } from "./check.js";
import { mismatch } from "./scalars.js";

const EXPECTED =
  'an array of context attribute names to record with each exposure, e.g. ["country", "platform"]';

/**
 * `dimensions = ["country", "platform"]`: the context attributes the runtime records with every exposure of an
 * experiment, so its report can be cut by them (`assay results --by country`). Each a dimension name (a letter
 * or `_`, then letters, digits, `_` or `-`, at most 64 characters), none twice, at most MAX_DIMENSIONS (8): each
 * is one more breakdown whose slices are tested, and the multiple-comparison burden grows with them. Every
 * problem is reported at its element's file:line:col. An empty array declares none (an experiment opts out of
 * the manifest's top-level default so).
 */
export const dimensionsList: Check<readonly string[]> = (value, path, ctx) => {
  if (!Array.isArray(value)) return mismatch(ctx, path, EXPECTED, value);
  let valid = true;
  if (value.length > MAX_DIMENSIONS) {
    ctx.report(
      path,
      `must have at most ${MAX_DIMENSIONS} dimensions (each is a breakdown whose slices are tested), got ${value.length}`,
    );
    valid = false;
  }
  const firstAt = new Map<string, number>();
  const names: string[] = [];
  value.forEach((item, index) => {
    const at = [...path, index];
    if (typeof item !== "string") {
      mismatch(ctx, at, 'a dimension name (a string like "country")', item);
      valid = false;
      return;
    }
    const problem = dimensionNameProblem(item);
    if (problem !== undefined) {
      ctx.report(at, problem);
      valid = false;
      return;
    }
    const earlier = firstAt.get(item);
    if (earlier !== undefined) {
      ctx.report(at, `repeats dimension "${item}" (first at index ${earlier}); list each dimension once`);
      valid = false;
      return;
    }
    firstAt.set(item, index);
    names.push(item);
  });
  return valid ? Object.freeze(names) : INVALID;
};
