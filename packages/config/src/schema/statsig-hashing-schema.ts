import type { HashingMode } from "@assay/core";
import { arrayOf } from "./collections.js";
import { oneOf, text } from "./scalars.js";
import { type Fields, optional, required, type TableSchema } from "./table.js";

/** The Statsig SDKs whose hash the `statsig` mode reproduces: `node-core` (the default), `node-legacy`. */
const STATSIG_SDKS = ["node-core", "node-legacy"] as const;

const nonEmpty = (what: string) => text({ expected: `a non-empty string (${what})` });

/**
 * The keys of `hashing = { mode = "statsig", ... }`: the payload file, the experiment's name in it, whose hash,
 * and the rules of the experiment the mode passes over because the manifest's `targeting` decides them
 * (`skip_rules`, written by `assay import statsig`).
 */
export function statsigHashingSchema(modeField: Fields[string]): TableSchema<Fields, HashingMode> {
  return {
    where: 'in hashing (mode = "statsig")',
    fields: {
      mode: modeField,
      payload: required(
        nonEmpty("a path to a Statsig config payload (download_config_specs JSON), relative to the manifest"),
        'the Statsig payload file, e.g. payload = "./statsig.json"',
      ),
      experiment: optional(nonEmpty("the experiment's name in the payload")),
      sdk: optional(
        oneOf(STATSIG_SDKS, {
          expected: `one of ${STATSIG_SDKS.map((m) => JSON.stringify(m)).join(", ")} (whose hash: Statsig's current server SDK, the default, or statsig-node's)`,
        }),
      ),
      skip_rules: optional(
        arrayOf(nonEmpty("a rule id of the experiment"), {
          expected:
            "an array of the experiment's rule ids that the manifest's targeting decides, e.g. [\"targetingGate\"]",
        }),
      ),
    },
    build: (v) =>
      Object.freeze({
        mode: "statsig",
        payload: v.payload as string,
        ...(v.experiment === undefined ? {} : { experiment: v.experiment as string }),
        ...(v.sdk === undefined ? {} : { sdk: v.sdk as "node-core" | "node-legacy" }),
        ...(v.skip_rules === undefined ? {} : { skipRules: Object.freeze([...(v.skip_rules as string[])]) }),
      }),
  };
}
