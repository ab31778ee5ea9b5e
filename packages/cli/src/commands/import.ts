import { readFile, writeFile } from "node:fs/promises";
import { parseManifest } from "@assay/config";
import { CliError, EXIT } from "../exit-codes.js";
import { importGrowthBook } from "../import/growthbook.js";
import { ImportError, type ImportResult } from "../import/imported.js";
import { manifestToml } from "../import/manifest-toml.js";
import { importPostHog } from "../import/posthog.js";
import { type Io, write } from "../io.js";
import { parseCommandArgs } from "./args.js";

const USAGE = "usage: assay import (growthbook <payload.json> | posthog <flag-definitions.json>) [-o FILE]";

const IMPORTERS: Record<string, (payload: unknown) => ImportResult> = {
  growthbook: importGrowthBook,
  posthog: importPostHog,
};

/**
 * `assay import growthbook|posthog FILE [-o OUT]`: prints (or writes) an assay.toml whose experiments reproduce
 * the vendor's assignments with vendor hashing modes. What hashing cannot reproduce is written as comments
 * in the manifest and, one line per item, on stderr. The output is validated before it is written.
 */
export async function importCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { output: { type: "string", short: "o" } }, USAGE);
  const [vendor, file] = positionals;
  if (vendor === undefined || file === undefined || positionals.length > 2)
    throw new CliError(USAGE, EXIT.USAGE);
  const importer = IMPORTERS[vendor];
  if (importer === undefined) {
    throw new CliError(
      `unknown vendor ${JSON.stringify(vendor)}; vendors: ${Object.keys(IMPORTERS).join(", ")}\n${USAGE}`,
      EXIT.USAGE,
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.INVALID);
  }
  let result: ImportResult;
  try {
    result = importer(payload);
  } catch (error) {
    if (error instanceof ImportError) throw new CliError(`${file}: ${error.message}`, EXIT.INVALID);
    throw error;
  }
  const toml = manifestToml(result, file);
  // what we print must load: a bug here would otherwise surface only at the app's start
  parseManifest(toml, values.output ?? "assay.toml");
  if (values.output !== undefined) await writeFile(values.output, toml);
  else await write(io.stdout, toml);

  let listed = 0;
  for (const e of result.experiments) {
    for (const note of e.notReproduced) {
      await write(io.stderr, `${e.id}: not reproduced: ${note}\n`);
      listed++;
    }
  }
  for (const s of result.skipped) await write(io.stderr, `skipped: ${s}\n`);
  await write(
    io.stderr,
    `imported ${result.experiments.length} experiment(s) from ${file}${values.output ? ` into ${values.output}` : ""}; ${listed} item(s) not reproduced by hashing, ${result.skipped.length} entr${result.skipped.length === 1 ? "y" : "ies"} skipped\n`,
  );
  return EXIT.OK;
}
