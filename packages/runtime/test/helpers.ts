import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary app directory holding the given files; returns its path. */
export async function appDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "assay-runtime-"));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

export const CHECKOUT_EXPERIMENT = `
[[plugins.experiments]]
id = "checkout_button_color"
variants = [
  { id = "control",   weight = 50, is_control = true },
  { id = "treatment", weight = 50, is_control = false },
]
`;

export const HASH_MANIFEST = `
[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"
${CHECKOUT_EXPERIMENT}`;

/**
 * A plugin module written as plain JavaScript next to the manifest, as an app would write its own backend.
 * It assigns everyone the variant named by its option `always`, and records into the injected store.
 */
export const FIXED_BACKEND_MODULE = `
export default {
  kind: "assay-plugin",
  provides: ["experiments"],
  validateOptions(options) {
    return typeof options.always === "string" ? [] : [{ key: "always", message: "must name a variant" }];
  },
  createExperimentPlugin({ name, options, experiments, store }) {
    const ids = new Set(experiments.map((e) => e.id));
    return {
      name,
      assign(experiment, ctx) {
        if (!ids.has(experiment)) throw Object.assign(new Error("not found"), { code: "EXPERIMENT_NOT_FOUND", status: 404 });
        return { experiment, variantId: options.always, isControl: false, inExperiment: true, reason: "hash" };
      },
      async recordExposure(e) {
        await store.append([{ type: "exposure", eventId: e.eventId ?? String(Math.random()), ...e }]);
      },
      async recordOutcome(o) {
        await store.append([{ type: "outcome", eventId: o.eventId ?? String(Math.random()), ...o }]);
      },
    };
  },
};
`;

/** An event-store plugin module that counts what reaches it, to check it is the one injected. */
export const COUNTING_STORE_MODULE = `
const appended = [];
globalThis.__countingStoreAppended = appended;
export default {
  kind: "assay-plugin",
  provides: ["events"],
  createEventStore({ name }) {
    return {
      name,
      async append(batch) { appended.push(...batch); return { inserted: batch.length, duplicates: 0 }; },
      async summarize({ experiment }) { return { experiment, variants: [], metrics: [], unitsInSeveralVariants: 0, unattributedOutcomes: 0 }; },
    };
  },
};
`;
