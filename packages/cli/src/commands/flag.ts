import { type ExperimentContext, MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { CliError, EXIT } from "../exit-codes.js";
import { type Io, write } from "../io.js";
import { parseAttributes, parseCommandArgs } from "./args.js";
import { manifestPath } from "./manifest-path.js";

const USAGE =
  "usage: assay flag <key> (--user ID | --session ID) [--attr key=value]... [--env NAME] [--manifest PATH]";

/**
 * `assay flag <key> --user ID`: whether the flag is on for that unit and the value it gets, as one JSON
 * object, `{"flag","unit","enabled","value"}`, through the same client an app uses (`assay.flags`).
 * `--env` (default `ASSAY_ENV`) selects the environment. Records nothing.
 */
export async function flag(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      user: { type: "string" },
      session: { type: "string" },
      attr: { type: "string", multiple: true },
      env: { type: "string" },
      manifest: { type: "string" },
    },
    USAGE,
  );
  const key = positionals[0];
  if (key === undefined || positionals.length > 1) throw new CliError(USAGE, EXIT.USAGE);
  if ((values.user === undefined) === (values.session === undefined)) {
    throw new CliError(`give exactly one of --user, --session\n${USAGE}`, EXIT.USAGE);
  }
  const attributes = parseAttributes(values.attr ?? []);
  const unit = (values.user ?? values.session)!;
  const ctx: ExperimentContext =
    values.user !== undefined ? { userId: unit, attributes } : { sessionId: unit, attributes };

  const env = values.env ?? io.env.ASSAY_ENV;
  const assay = await createAssay({
    manifest: manifestPath(values.manifest, io),
    ...(env !== undefined ? { env } : {}),
    store: new MemoryEventStore(),
    handleSignals: false,
  });
  try {
    const keys = assay.flags.keys();
    if (!keys.includes(key)) {
      const known =
        keys.length === 0 ? "the manifest declares no [[plugins.flags]]" : `flags: ${keys.join(", ")}`;
      throw new CliError(`flag ${JSON.stringify(key)} is not declared (${known})`, EXIT.USAGE);
    }
    const enabled = assay.flags.isEnabled(key, ctx);
    const value = assay.flags.variant(key, ctx, enabled ? "on" : "off");
    await write(
      io.stdout,
      `{"flag":${JSON.stringify(key)},"unit":${JSON.stringify(unit)},"enabled":${enabled},"value":${JSON.stringify(value)}}\n`,
    );
    return EXIT.OK;
  } finally {
    await assay.close();
  }
}
