import type { LayerSlot } from "@assay/core";
import { INVALID } from "./check.js";
import { arrayOf } from "./collections.js";
import { finiteNumber, text } from "./scalars.js";
import { optional, required, type TableSchema, tableOf } from "./table.js";

/** A declared layer: its id and its experiments' slots, in declared order. */
export interface LayerEntry {
  readonly id: string;
  readonly slots: readonly (LayerSlot & { readonly experiment: string })[];
}

const SLOT = '{ id = "button_color", share = 0.3 }';

export const slotFields = {
  id: required(
    text({ expected: "a non-empty string (the id of an experiment declared in this manifest)" }),
    "the experiment that owns this slot",
  ),
  share: required(
    finiteNumber({
      expected: "a number above 0 and at most 1 (the layer's share this experiment owns)",
      min: 0,
      max: 1,
      exclusive: true,
    }),
    "the share of the layer this experiment owns, e.g. share = 0.3",
  ),
  start: optional(
    finiteNumber({
      expected: "a number from 0 to 1 (where the slot starts; default: where the previous slot ends)",
      min: 0,
      max: 1,
    }),
  ),
};

const slotSchema: TableSchema<typeof slotFields, { id: string; share: number; start: number | undefined }> = {
  where: "in layer slot",
  fields: slotFields,
  build: (values) => ({ id: values.id, share: values.share, start: values.start }),
};

export const layerFields = {
  id: required(
    text({
      expected: 'a non-empty string (the layer id, e.g. "checkout_page")',
      pattern: /^[A-Za-z0-9_.:-]+$/,
    }),
    "the layer id",
  ),
  experiments: required(
    arrayOf(tableOf(slotSchema, `an inline table like ${SLOT}`), {
      expected: `an array of slots like [${SLOT}, { id = "copy_test", share = 0.2 }]`,
      min: { count: 1, why: "experiment" },
    }),
    "the experiments that share this layer, each with its share",
  ),
  description: optional(text({ expected: "a string", allowBlank: true })),
};

/**
 * A `[[layers]]` table. Slots follow each other in declared order (`start` places one explicitly), must not
 * overlap and must fit in the layer: the free part is what is left, and a new experiment appended there takes
 * nobody from the others.
 */
export const layerSchema: TableSchema<typeof layerFields, LayerEntry> = {
  where: "in layer",
  fields: layerFields,
  build: (values, path, ctx) => {
    let valid = true;
    let previousEnd = 0;
    const slots: (LayerSlot & { experiment: string })[] = [];
    const EPSILON = 1e-9;
    values.experiments.forEach((slot, index) => {
      const start = slot.start ?? previousEnd;
      const end = Math.min(1, start + slot.share);
      const at = [...path, "experiments", index];
      if (start + slot.share > 1 + EPSILON) {
        ctx.report(
          [...at, "share"],
          `the slot [${round(start)}, ${round(start + slot.share)}) goes past the end of the layer (1); the free part from ${round(start)} is ${round(1 - start)}`,
        );
        valid = false;
      }
      const overlap = slots.find((s) => start < s.end - EPSILON && s.start < end - EPSILON);
      if (overlap !== undefined) {
        const line = ctx.locate([...path, "experiments", slots.indexOf(overlap)]).line;
        ctx.report(
          at,
          `the slot [${round(start)}, ${round(end)}) overlaps \`${overlap.experiment}\` [${round(overlap.start)}, ${round(overlap.end)}) on line ${line}; slots of a layer must not overlap`,
        );
        valid = false;
      }
      slots.push({ id: values.id, experiment: slot.id, start, end: Math.abs(end - 1) < EPSILON ? 1 : end });
      previousEnd = end;
    });
    return valid
      ? Object.freeze({ id: values.id, slots: Object.freeze(slots.map((s) => Object.freeze(s))) })
      : INVALID;
  },
};

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
