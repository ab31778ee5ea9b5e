import { loadManifest } from "@assay/config";
import { idsPopulation, measure, type Population, samplePopulation } from "../diff/index.js";
import { diffReport, renderDiff } from "../diff/report.js";
import { CliError, EXIT } from "../exit-codes.js";
import { readInput } from "../input.js";
import { type Io, write } from "../io.js";
import { parseAttributes, parseCommandArgs } from "./args.js";

const USAGE =
  "usage: assay diff OLD.toml NEW.toml [--users FILE | --sample N [--seed S]] [--attr key=value]... [--env NAME] [--json]";

/** The sample drawn when neither --users nor --sample is given. */
const DEFAULT_SAMPLE = 100_000;
const MAX_SAMPLE = 10_000_000;

/**
 * `assay diff OLD NEW`: what changing the manifest from OLD to NEW does to every experiment and flag, with
 * units assigned under both through the runtime: exact for the ids of `--users`, estimated over a uniform
 * random sample otherwise. Exits 1 when a running experiment moves enrolled units without a new phase (or
 * either manifest is invalid), 2 on a usage error, 0 otherwise.
 */
export async function diff(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      users: { type: "string" },
      sample: { type: "string" },
      seed: { type: "string" },
      attr: { type: "string", multiple: true },
      env: { type: "string" },
      json: { type: "boolean" },
    },
    USAGE,
  );
  if (positionals.length !== 2) {
    throw new CliError(
      `give the old and the new manifest, got ${positionals.length} path(s)\n${USAGE}`,
      EXIT.USAGE,
    );
  }
  if (values.users !== undefined && (values.sample !== undefined || values.seed !== undefined)) {
    throw new CliError(`--users counts the ids given: it takes no --sample or --seed\n${USAGE}`, EXIT.USAGE);
  }
  const attributes = parseAttributes(values.attr ?? []);
  const size = values.sample === undefined ? DEFAULT_SAMPLE : sampleSize(values.sample);
  if (values.seed !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(values.seed)) {
    throw new CliError(
      `--seed ${JSON.stringify(values.seed)}: use 1 to 64 letters, digits, - or _`,
      EXIT.USAGE,
    );
  }
  const population: Population =
    values.users !== undefined
      ? idsPopulation(await readInput(values.users, io, "--users"))
      : samplePopulation(size, values.seed);
  const [oldPath, newPath] = positionals as [string, string];
  const env = values.env ?? io.env.ASSAY_ENV;
  const before = await loadManifest(oldPath, { env });
  const after = await loadManifest(newPath, { env });
  const measures = await measure(before, after, population.ids, attributes);
  const report = diffReport({ before: oldPath, after: newPath }, before, after, population, measures);
  await write(io.stdout, values.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderDiff(report));
  return report.failed ? EXIT.INVALID : EXIT.OK;
}

function sampleSize(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > MAX_SAMPLE) {
    throw new CliError(
      `--sample ${JSON.stringify(text)}: expected a whole number of units from 1 to ${MAX_SAMPLE}`,
      EXIT.USAGE,
    );
  }
  return n;
}
