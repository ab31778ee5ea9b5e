import { randomBytes } from "node:crypto";
import { link, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { isManifestError, type ManifestIssue, parseManifest } from "@assay/config";
import { CliError, EXIT } from "../exit-codes.js";
import { importGrowthBook } from "../import/growthbook.js";
import { ImportError, type ImportResult } from "../import/imported.js";
import { manifestToml } from "../import/manifest-toml.js";
import { importOptimizely } from "../import/optimizely.js";
import { importPostHog } from "../import/posthog.js";
import { readPayload } from "../import/read-payload.js";
import { importStatsig } from "../import/statsig.js";
import { tomlComment } from "../import/toml-text.js";
import { importUnleash } from "../import/unleash.js";
import { type Io, write } from "../io.js";
import { parseCommandArgs } from "./args.js";

const USAGE =
  "usage: assay import (growthbook <payload.json> | posthog <flag-definitions.json> | optimizely <datafile.json> | unleash <features.json> | statsig <specs.json>) [-o FILE [--force]] (- reads stdin, except for statsig)";

/** Where the payload was read from and where the manifest goes (undefined: stdout, read from the working directory). */
interface ImportPlace {
  readonly file: string;
  readonly output: string | undefined;
}

const IMPORTERS: Record<string, (payload: unknown, place: ImportPlace) => ImportResult> = {
  growthbook: importGrowthBook,
  posthog: importPostHog,
  optimizely: importOptimizely,
  unleash: importUnleash,
  statsig: (payload, place) => importStatsig(payload, { payloadPath: statsigPayloadPath(place) }),
};

/**
 * The statsig mode reads the payload file when the manifest loads, from the manifest's folder: the path from
 * there (the output's folder, else the working directory) to the payload.
 */
function statsigPayloadPath(place: ImportPlace): string {
  if (place.file === "-")
    throw new ImportError(
      "the statsig mode reads the payload file when the manifest loads: give the file, not - (standard input)",
    );
  const from = place.output === undefined ? process.cwd() : dirname(resolve(place.output));
  const path = relative(from, resolve(place.file)).split(sep).join("/");
  return path.startsWith("../") || path.startsWith("/") ? path : `./${path}`;
}

/** A payload string on stderr: one line, whatever it holds (newlines and controls spelled `\u000a`). */
const oneLine = (text: string) => tomlComment(text, "");

/**
 * `assay import growthbook|posthog|optimizely|unleash|statsig FILE|- [-o OUT [--force]]`: prints (or writes) an assay.toml whose experiments
 * reproduce the vendor's assignments with vendor hashing modes. What hashing cannot reproduce is written as
 * comments in the manifest and, one line per item, on stderr. The payload is read within limits and checked
 * value by value; the output is parsed back, compared with what was meant and validated before it is written.
 * Exit 1 for a payload that cannot be imported, 2 for a usage error (and an `-o` file that exists without
 * `--force`), 3 for a failure of the import itself or of writing the file; nothing is written unless 0.
 */
export async function importCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { output: { type: "string", short: "o" }, force: { type: "boolean" } },
    USAGE,
  );
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
  if (values.force && values.output === undefined)
    throw new CliError(`--force needs -o FILE\n${USAGE}`, EXIT.USAGE);
  const fromStdin = file === "-";
  const shownFile = fromStdin ? "<stdin>" : oneLine(file);
  let result: ImportResult;
  let toml: string;
  try {
    result = importer(await readPayload(file, io.stdin), { file, output: values.output });
    toml = manifestToml(result, fromStdin ? "standard input" : file);
  } catch (error) {
    if (error instanceof ImportError)
      throw new CliError(`${shownFile}: ${oneLine(error.message)}`, EXIT.INVALID);
    throw internal(error);
  }
  checkLoads(toml, result, shownFile);
  if (values.output !== undefined) await writeOutput(values.output, toml, values.force === true);
  else await write(io.stdout, toml);

  let listed = 0;
  let targeted = 0;
  for (const e of result.experiments) {
    if (e.targeting !== undefined && e.targeting.include.length + e.targeting.exclude.length > 0) {
      targeted++;
      const parts = [
        ...(e.targeting.include.length > 0 ? [`include ${e.targeting.include.join(" AND ")}`] : []),
        ...(e.targeting.exclude.length > 0 ? [`exclude ${e.targeting.exclude.join(" OR ")}`] : []),
      ];
      await write(io.stderr, `${oneLine(e.id)}: targeting carried over: ${oneLine(parts.join("; "))}\n`);
    }
    for (const note of e.notReproduced) {
      await write(io.stderr, `${oneLine(e.id)}: not reproduced: ${oneLine(note)}\n`);
      listed++;
    }
  }
  for (const s of result.skipped) await write(io.stderr, `skipped: ${oneLine(s)}\n`);
  if (result.vendor === "statsig" && result.experiments.some((e) => payloadOutside(e.hashing)))
    await write(
      io.stderr,
      "warning: the payload is outside the manifest's folder; the statsig mode reads it only with ASSAY_ALLOW_OUTSIDE_FILES=1 (or copy it beside the manifest and fix hashing.payload)\n",
    );
  await write(
    io.stderr,
    `imported ${result.experiments.length} experiment(s) from ${shownFile}${values.output ? ` into ${oneLine(values.output)}` : ""}; ${targeted} with targeting carried over, ${listed} item(s) not reproduced by hashing, ${result.skipped.length} entr${result.skipped.length === 1 ? "y" : "ies"} skipped\n`,
  );
  return EXIT.OK;
}

function payloadOutside(hashing: ImportResult["experiments"][number]["hashing"]): boolean {
  return hashing.mode === "statsig" && !hashing.payload.startsWith("./");
}

/** A bug, never a stack trace: one line, exit 3. */
function internal(error: unknown): CliError {
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(
    `internal error, nothing written: ${oneLine(message.split("\n")[0] ?? "")} (please report it)`,
    EXIT.FAILURE,
  );
}

/**
 * What we print must load: an experiment the manifest rules refuse (two variants with one id, an id too long
 * for a store) is the payload's doing, named by the experiment it came from, not by lines of a file that was
 * never written.
 */
function checkLoads(toml: string, result: ImportResult, file: string): void {
  try {
    parseManifest(toml, "assay.toml");
  } catch (error) {
    if (!isManifestError(error)) throw internal(error);
    const lines = error.issues.map((issue) => `${file}: cannot be imported: ${describe(issue, result)}`);
    throw new CliError(lines.join("\n"), EXIT.INVALID);
  }
}

function describe(issue: ManifestIssue, result: ImportResult): string {
  const match = /^plugins\[0\]\.experiments\[(\d+)\]\.?(.*)$/.exec(issue.key);
  const experiment = match ? result.experiments[Number(match[1])] : undefined;
  const where = experiment ? `${experiment.origin}: ${match![2] || "experiment"}` : issue.key || "manifest";
  return oneLine(`${where}: ${issue.message}`);
}

/**
 * Writes through a temporary file in the same folder, so the target holds the old text or the whole new one,
 * never half. Without `force`, `link` puts it in place only if nothing is there (atomically: no check-then-write
 * race); with `force`, `rename` replaces what is.
 */
async function writeOutput(output: string, toml: string, force: boolean): Promise<void> {
  const dir = dirname(output);
  const temporary = join(dir, `.${basename(output)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temporary, toml, { flag: "wx" });
    if (force) await rename(temporary, output);
    else await linkOrCreate(temporary, output, toml);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST" && !force) {
      throw new CliError(
        `${oneLine(output)} exists; pass --force to overwrite it (nothing written)`,
        EXIT.USAGE,
      );
    }
    throw new CliError(
      `cannot write ${oneLine(output)}: ${code ?? (error as Error).message}${code === "EISDIR" ? " (a directory)" : ""}`,
      EXIT.FAILURE,
    );
  } finally {
    await rm(temporary, { force: true });
  }
}

/** `link`, or on a file system without hard links an exclusive create (`wx` fails on an existing file too). */
async function linkOrCreate(temporary: string, output: string, toml: string): Promise<void> {
  try {
    await link(temporary, output);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV") throw error;
    await writeFile(output, toml, { flag: "wx" });
  }
}
