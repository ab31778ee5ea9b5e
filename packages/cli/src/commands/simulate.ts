import { dirname, resolve } from "node:path";
import { createAssay } from "@assay/runtime";
import { CliError, EXIT } from "../exit-codes.js";
import { type Io, write } from "../io.js";
import { simulateInto } from "../simulate/simulate-into.js";
import { parseUsers } from "../simulate/spec.js";
import { parseCommandArgs } from "./args.js";
import { manifestPath } from "./manifest-path.js";

const USAGE =
  "usage: assay simulate --users N [--manifest PATH] [--experiment ID] [--days D] [--end YYYY-MM-DD]\n" +
  "                      [--effect [VARIANT:]METRIC=+P%]... [--srm VARIANT=-P%] [--metric NAME[:KIND]]...\n" +
  "                      [--order-value MEAN] [--seed S]";

/** An hour: a commit that takes longer means a store that is stuck, not busy. */
const SLOW_COMMIT_MS = 3_600_000;

/**
 * `assay simulate`: writes a realistic, seeded data set for one experiment into the manifest's event store
 * (visitors over days, exposures and returns, conversions and order values with the true effects asked
 * for, optionally a sample-ratio mismatch), so `assay results` and `assay serve` show a live-looking test.
 * The same flags write the same events; a note beside the manifest tells the dashboard they are simulated.
 */
export async function simulate(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      manifest: { type: "string" },
      experiment: { type: "string" },
      users: { type: "string" },
      days: { type: "string" },
      end: { type: "string" },
      effect: { type: "string", multiple: true },
      srm: { type: "string" },
      metric: { type: "string", multiple: true },
      "order-value": { type: "string" },
      seed: { type: "string" },
    },
    USAGE,
  );
  if (positionals.length > 0)
    throw new CliError(`unexpected ${JSON.stringify(positionals[0])}\n${USAGE}`, EXIT.USAGE);
  parseUsers(values.users); // before opening the store: a missing --users is the commonest mistake
  const manifest = manifestPath(values.manifest, io);
  // A bulk writer waits for the store as long as it takes: under millions of events a commit can queue
  // behind the store's folding for longer than the 30 s an app's request would accept.
  const assay = await createAssay({
    manifest,
    handleSignals: false,
    storeStartupTimeoutMs: 0,
    pipeline: { retry: { deadlineMs: SLOW_COMMIT_MS } },
  });
  try {
    const { spec, counts, variants, effects, srm } = await simulateInto(assay, dirname(resolve(manifest)), {
      users: values.users!,
      ...defined({
        experiment: values.experiment,
        days: values.days,
        end: values.end,
        seed: values.seed,
        effects: values.effect,
        srm: values.srm,
        metrics: values.metric,
        orderValue: values["order-value"],
      }),
    });
    const names = spec.metrics.map((m) => m.metric);
    const untouched = names.filter((m) => !spec.effects.some((e) => e.metric === m));
    const lines = [
      `simulated ${spec.experiment}: ${fmt(spec.users)} visitors over ${spec.days} days to ${spec.end} (seed ${spec.seed})`,
      `  units: ${variants.map((v) => `${v} ${fmt(counts.units[v] ?? 0)}`).join(", ")}${counts.lost > 0 ? `; ${fmt(counts.lost)} of ${spec.srm?.variant}'s lost (--srm)` : ""}`,
      `  wrote ${fmt(counts.exposures)} exposures and ${fmt(counts.outcomes)} outcomes (${spec.metrics.map((m) => `${m.metric}: ${m.kind}`).join(", ")}) into the ${assay.store.name} store${counts.duplicates > 0 ? `; ${fmt(counts.duplicates)} were there already` : ""}`,
      `  true effects: ${effects.length === 0 ? "none" : effects.join(", ")}${untouched.length > 0 && effects.length > 0 ? `; none on ${untouched.join(", ")}` : ""}${srm === undefined ? "" : `; sample-ratio mismatch: ${srm}`}`,
      `see it: npm run assay -- results ${spec.experiment} --manifest ${manifest}  (or: npm run assay -- serve --manifest ${manifest})`,
    ];
    await write(io.stdout, `${lines.join("\n")}\n`);
    return EXIT.OK;
  } finally {
    await assay.close();
  }
}

/** The entries whose value is set (the request's optional fields must be absent, not undefined). */
function defined<T extends Record<string, unknown>>(
  entries: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

const fmt = (n: number) => n.toLocaleString("en-US");
