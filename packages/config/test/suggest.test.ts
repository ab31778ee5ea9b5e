import { describe, expect, test } from "vitest";
import { editDistance, nearest } from "../src/suggest.js";

describe("nearest", () => {
  const variantKeys = ["id", "weight", "is_control"];

  test.each([
    ["wieght", "weight"],
    ["weigth", "weight"],
    ["weights", "weight"],
    ["isControl", "is_control"],
    ["is-control", "is_control"],
    ["control", "is_control"],
    ["ID", "id"],
  ])("%s -> %s", (typo, expected) => {
    expect(nearest(typo, variantKeys)).toBe(expected);
  });

  test("nothing close gives undefined", () => {
    expect(nearest("color", variantKeys)).toBeUndefined();
    expect(nearest("x", ["plugins"])).toBeUndefined();
  });
});

describe("editDistance", () => {
  test.each([
    ["", "", 0],
    ["abc", "", 3],
    ["kitten", "sitting", 3],
    ["wieght", "weight", 1],
    ["ab", "ba", 1],
  ])("%s / %s = %i", (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});
