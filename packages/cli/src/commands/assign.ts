import { loadManifest } from "@assay/config";
import { type ExperimentContext, MemoryEventStore, type Variant } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { CliError, EXIT } from "../exit-codes.js";
import { readInput } from "../input.js";
import { type Io, write } from "../io.js";
import { parseAttributes, parseCommandArgs } from "./args.js";
import { manifestPath } from "./manifest-path.js";
import { storedStickyAssignments } from "./stored-sticky.js";

const USAGE =
  "usage: assay assign <experiment> (--user ID | --session ID | --users FILE | --sessions FILE) [--attr key=value]... [--env NAME] [--manifest PATH]";

/** Lines per write: big enough to amortize the syscall, small enough to keep memory flat for any file size. */
const CHUNK = 16_384;

/**
 * `assay assign`: one JSON object per unit on stdout,
 * `{"unit","experiment","variant","isControl","inExperiment","reason"}` (and `"value"` when the variant declares
 * one), through the same client an app uses.
 * `--users FILE` / `--sessions FILE` read one id per line (UTF-8; CRLF and a BOM are tolerated; empty lines
 * skipped); `-` reads them from stdin. A sticky experiment shows the variant the manifest's store keeps for a
 * unit (`reason: "sticky"`), as the app would serve it. Records nothing.
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
  const listFlag = values.users !== undefined ? "--users" : "--sessions";
  const list = values.users ?? values.sessions;
  // Read the ids before opening anything, so a missing file fails before a database is dialled.
  const ids = list === undefined ? undefined : splitIds(await readInput(list, io, listFlag));

  const env = values.env ?? io.env.ASSAY_ENV;
  const manifest = await loadManifest(manifestPath(values.manifest, io), { env });
  // A memory store: assigning records nothing, and the CLI must not create files beside the manifest. It is
  // seeded with the stored sticky assignments, so a sticky unit gets the variant the app serves it.
  const store = new MemoryEventStore();
  const stored = await storedStickyAssignments(manifest, experiment);
  if (stored.length > 0) await store.saveStickyAssignments(stored);
  const assay = await createAssay({
    manifest,
    store,
    handleSignals: false,
    sticky: { refreshMs: 0 },
  });
  try {
    const experimentJson = JSON.stringify(experiment);
    // Everything after the unit depends only on the Variant, a shared object: printed once per Variant.
    const tails = new Map<Variant, string>();
    const tailOf = (variant: Variant): string => {
      let tail = tails.get(variant);
      if (tail === undefined) {
        const value = variant.value === undefined ? "" : `,"value":${JSON.stringify(variant.value)}`;
        tail = `,"experiment":${experimentJson},"variant":${JSON.stringify(variant.variantId)},"isControl":${variant.isControl},"inExperiment":${variant.inExperiment},"reason":"${variant.reason}"${value}}\n`;
        if (tails.size < 1024) tails.set(variant, tail);
      }
      return tail;
    };
    const line = (unit: string, variant: Variant) => `{"unit":${JSON.stringify(unit)}${tailOf(variant)}`;
    const bySession = values.session !== undefined || values.sessions !== undefined;
    const context = (id: string): ExperimentContext =>
      bySession ? { sessionId: id, attributes } : { userId: id, attributes };

    const single = values.user ?? values.session;
    if (single !== undefined) {
      await write(io.stdout, line(single, assay.assign(experiment, context(single))));
      return EXIT.OK;
    }
    let buffer = "";
    let count = 0;
    for (const id of ids!) {
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

/** One id per line; a BOM, CRLF and empty lines are tolerated. */
function splitIds(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const ids: string[] = [];
  for (const raw of body.split("\n")) {
    const id = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (id.length > 0) ids.push(id);
  }
  return ids;
}
