import { readFile } from "node:fs/promises";
import { type ExperimentContext, MemoryEventStore, type Variant } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { CliError, EXIT } from "../exit-codes.js";
import { type Io, write } from "../io.js";
import { parseAttributes, parseCommandArgs } from "./args.js";
import { manifestPath } from "./manifest-path.js";

const USAGE =
  "usage: assay assign <experiment> (--user ID | --session ID | --users FILE | --sessions FILE) [--attr key=value]... [--env NAME] [--manifest PATH]";

/** Lines per write: big enough to amortize the syscall, small enough to keep memory flat for any file size. */
const CHUNK = 16_384;

/**
 * `assay assign`: one JSON object per unit on stdout,
 * `{"unit","experiment","variant","isControl","inExperiment","reason"}`, through the same client an app uses.
 * `--users FILE` / `--sessions FILE` read one id per line (UTF-8; CRLF and a BOM are tolerated; empty lines skipped).
 */
export async function assign(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      user: { type: "string" },
      session: { type: "string" },
      users: { type: "string" },
      sessions: { type: "string" },
      attr: { type: "string", multiple: true },
      env: { type: "string" },
      manifest: { type: "string" },
    },
    USAGE,
  );
  const experiment = positionals[0];
  if (experiment === undefined || positionals.length > 1) throw new CliError(USAGE, EXIT.USAGE);
  const sources = (["user", "session", "users", "sessions"] as const).filter((k) => values[k] !== undefined);
  if (sources.length !== 1)
    throw new CliError(`give exactly one of --user, --session, --users, --sessions\n${USAGE}`, EXIT.USAGE);
  const attributes = parseAttributes(values.attr ?? []);

  // A memory store: assigning records nothing, and the CLI must not create files beside the manifest.
  const env = values.env ?? io.env.ASSAY_ENV;
  const assay = await createAssay({
    manifest: manifestPath(values.manifest, io),
    ...(env !== undefined ? { env } : {}),
    store: new MemoryEventStore(),
    handleSignals: false,
  });
  try {
    const experimentJson = JSON.stringify(experiment);
    const line = (unit: string, variant: Variant) =>
      `{"unit":${JSON.stringify(unit)},"experiment":${experimentJson},"variant":${JSON.stringify(variant.variantId)},"isControl":${variant.isControl},"inExperiment":${variant.inExperiment},"reason":"${variant.reason}"}\n`;
    const bySession = values.session !== undefined || values.sessions !== undefined;
    const context = (id: string): ExperimentContext =>
      bySession ? { sessionId: id, attributes } : { userId: id, attributes };

    const single = values.user ?? values.session;
    if (single !== undefined) {
      await write(io.stdout, line(single, assay.assign(experiment, context(single))));
      return EXIT.OK;
    }
    const ids = await readIds((values.users ?? values.sessions)!);
    let buffer = "";
    let count = 0;
    for (const id of ids) {
      buffer += line(id, assay.assign(experiment, context(id)));
      if (++count % CHUNK === 0) {
        await write(io.stdout, buffer);
        buffer = "";
      }
    }
    await write(io.stdout, buffer);
    return EXIT.OK;
  } finally {
    await assay.close();
  }
}

async function readIds(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      EXIT.INVALID,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const ids: string[] = [];
  for (const raw of text.split("\n")) {
    const id = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (id.length > 0) ids.push(id);
  }
  return ids;
}
