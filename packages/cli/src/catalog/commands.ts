import type { Io } from "../io.js";

/** A command's entry point: the arguments after its name; resolves to the exit code. */
export type CommandHandler = (args: readonly string[], io: Io) => Promise<number>;

/** What `assay --help` and `assay <command> --help` show, and how to load the command. */
export interface CommandEntry {
  /** One line for the command list of `assay --help`. */
  readonly summary: string;
  /** The full `assay <command> --help` text. */
  readonly help: string;
  /**
   * Imports the command's module only when it runs: the runtime and the statistics engine are hundreds of
   * modules, and `assay --version` or `--help` must not pay for them.
   */
  readonly load: () => Promise<CommandHandler>;
}

const MANIFEST_FLAG = "  --manifest PATH  the manifest (default $ASSAY_MANIFEST, else ./assay.toml)";
const ENV_FLAG = "  --env NAME       apply the env.NAME blocks of the manifest (default $ASSAY_ENV)";

/** Every command, in the order `assay --help` lists them. */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  validate: {
    summary: "check a manifest: syntax, rules, and every plugin's options",
    help: `usage: assay validate [PATH | -] [--env NAME] [--load-plugins] [--strict]

Parses the manifest (default $ASSAY_MANIFEST, else ./assay.toml) and checks every plugin it names: the plugins
the runtime ships load and check their options; a plugin whose source is a path (code) is not run unless
--load-plugins is given. Prints "PATH: valid (...)" and exits 0, or one "file:line:col: key: message" line per
problem on stderr and exits 1. Warnings (such as weights more than 100x apart) are printed on stderr.
A PATH of - reads the manifest from stdin: problems are then named <stdin>:line:col, and its relative paths
resolve against the current directory.

options:
  --env NAME       validate with the env.NAME blocks applied (default $ASSAY_ENV); every block is checked either way
  --load-plugins   import every plugin, path sources too, and let each check its options
  --strict         treat warnings as errors (exit 1)
  -h, --help       this help

example:
  git show HEAD:assay.toml | npm run -s assay -- validate -
`,
    load: async () => (await import("../commands/validate.js")).validate,
  },
  assign: {
    summary: "which variant units get, as JSON lines (records nothing)",
    help: `usage: assay assign <experiment> (--user ID | --session ID | --users FILE | --sessions FILE)
                    [--attr key=value]... [--env NAME] [--manifest PATH]

Prints {"unit","experiment","variant","isControl","inExperiment","reason"} per unit, through the same client an
app uses. Records nothing. For a sticky experiment the variant stored in the manifest's store is shown, with
reason "sticky"; a unit with none gets what its first assignment would be today.

options:
  --user ID        one user id
  --session ID     one session id
  --users FILE     one user id per line (UTF-8; CRLF, a BOM and empty lines tolerated); - reads stdin
  --sessions FILE  the same with session ids
  --attr key=value a targeting attribute (repeatable)
${ENV_FLAG}
${MANIFEST_FLAG}
  -h, --help       this help

example:
  cut -d, -f1 users.csv | npm run -s assay -- assign checkout_button_color --users - | head
`,
    load: async () => (await import("../commands/assign.js")).assign,
  },
  flag: {
    summary: "whether a feature flag is on for a unit, and its value, as JSON",
    help: `usage: assay flag <key> (--user ID | --session ID) [--attr key=value]... [--env NAME] [--manifest PATH]

Prints {"flag","unit","enabled","value"} through the client's flags (a boolean flag's value is "on" or "off").
An undeclared key exits 2 and lists the declared ones. Records nothing.

options:
  --user ID        the user id
  --session ID     the session id
  --attr key=value a targeting attribute (repeatable)
${ENV_FLAG}
${MANIFEST_FLAG}
  -h, --help       this help
`,
    load: async () => (await import("../commands/flag.js")).flag,
  },
  diff: {
    summary: "what changing a manifest does: units that move, enter, leave; fails a move without a new phase",
    help: `usage: assay diff OLD.toml NEW.toml [--users FILE | --sample N [--seed S]] [--attr key=value]...
                  [--env NAME] [--json]

For every experiment and flag, what changing the manifest from OLD to NEW does. Each unit is assigned under
both manifests by the runtime (kill switch, forced units, targeting, layers, sticky, the backend's hash),
on memory stores: nothing is recorded. Per experiment: the units that move to another variant, enter and
leave; which changes re-randomize (salt, variants added, removed or reordered, unit, hashing) and which keep
the hash (weights, traffic, targeting); and what sticky = true does (enrolled units keep their variant).
A verdict line per experiment, e.g.
  pricing_page: weights 90/10 → 50/50: 40.0 % of enrolled units move (sticky: 0.0 %)
With --users the counts are exact for those ids; otherwise they are estimated over a uniform sample of
random ids (default 100000), with a 95 % Wilson interval. Every id is the unit of every experiment.

Exits 1 when a running experiment (enabled in both) moves enrolled units, or has a re-randomizing change,
without a new phase: bump its \`version\` (or make it sticky, for weight and traffic changes). So it can gate a
pull request: git show main:assay.toml > old.toml && assay diff old.toml assay.toml

options:
  --users FILE     one unit id per line (- reads stdin): exact counts for them
  --sample N       N random ids (1 to 10000000; default 100000): estimates with a margin
  --seed S         the sample's seed (letters, digits, - _), to draw the same ids again
  --attr key=value an attribute every unit has, for targeting (repeatable)
${ENV_FLAG}
  --json           print the report as JSON
  -h, --help       this help
`,
    load: async () => (await import("../commands/diff.js")).diff,
  },
  results: {
    summary: "an experiment's exposures, metrics and statistical report",
    help: `usage: assay results <experiment> [--metric M]... [--by DIMENSION] [--daily] [--json] [--env NAME]
                     [--phase N] [--manifest PATH]

Per variant the exposed units and exposures, per metric n / mean / sum, as the manifest's event store
summarizes them, then the statistics report: the analysis plan's decision, or without a plan an exploratory
comparison of every metric. Only the events of one environment and one phase count: environments sharing a
store never mix, and phases (an experiment's version) are never pooled. A store that cannot be reached
exits 3.

options:
  --metric M       show only this metric (repeatable); with a plan, the decision still uses the whole plan
  --by DIMENSION   add the breakdown by one of the experiment's declared dimensions (dimensions = [...]):
                   each slice (a unit's is its first exposure's value) evaluated with the plan, with its own
                   SRM check; exploratory, p-values Holm-adjusted across every slice test
  --daily          add the cumulative per-day series
  --json           print the report as JSON
  --env NAME       the environment whose events to read, and whose env.NAME blocks apply (default
                   $ASSAY_ENV, else the manifest's environment, else "default")
  --phase N        the phase to read (default the experiment's version in the manifest)
${MANIFEST_FLAG}
  -h, --help       this help
`,
    load: async () => (await import("../commands/results.js")).results,
  },
  serve: {
    summary: "the results dashboard in a browser: decisions, intervals, trends",
    help: `usage: assay serve [--manifest PATH | URL] [--watch [--poll-ms N]] [--port N] [--host H] [--keys FILE]
                   [--token-file PATH] [--cors-origin ORIGIN]...

Serves the results dashboard over the manifest's event store and prints its URL: every experiment with its
status and decision, and per experiment the decision and why, the SRM check, an interval plot per metric, the
effect over time and the exposures per day. /api/experiments/<id> returns the report \`assay results <id>
--json\` prints. Runs until Ctrl-C. On a host other than 127.0.0.1 an API key or token is required (it
refuses to start without one); every route but /healthz then answers 401 without a key and 403 with a key
lacking the route's role (Bearer header, X-API-Key, or /login?token=... for the pages). On 127.0.0.1 with no
key it runs open.

options:
  --port N           the port (default 4680; 0 picks a free one)
  --host H           the interface (default 127.0.0.1)
  --keys FILE        API keys with roles (evaluate, ingest, read, admin), TOML or JSON; also $ASSAY_API_KEYS
                     as KEY:ROLE[+ROLE], comma-separated
  --token-file PATH  the token, first line of PATH (default $ASSAY_DASHBOARD_TOKEN); an admin key
  --cors-origin O    a browser origin allowed to call OFREP (repeatable; default $ASSAY_CORS_ORIGINS)
  --watch            reload the manifest when its file changes (and on SIGHUP), or poll its URL (http://...)
                     with its ETag; a version that does not validate is refused and the old one keeps serving
  --poll-ms N        with --watch and a URL: how often it is polled (default 30000)
${MANIFEST_FLAG}
  -h, --help         this help
`,
    load: async () => (await import("../commands/serve.js")).serve,
  },
  simulate: {
    summary: "write a realistic simulated data set with known true effects into the store",
    help: `usage: assay simulate --users N [--manifest PATH] [--experiment ID] [--days D] [--end YYYY-MM-DD]
                      [--effect [VARIANT:]METRIC=+P%]... [--srm VARIANT=-P%] [--metric NAME[:KIND]]...
                      [--order-value MEAN] [--seed S]

Writes a seeded data set for one experiment into the manifest's event store, so \`assay results\` and
\`assay serve\` show a live-looking test: N visitors arrive over D days (fewer at night and on weekends), the
experiment assigns them as it would in the app, each enrolled one is exposed at the first visit and at its
returns, then acts by its variant: the first yes/no metric is the conversion (10% in control), a metric named
like money (revenue, order_value, ...) the order value of a converting unit (log-normal, mean --order-value,
default 50), other yes/no metrics 5% (guardrails 2%), counts Poisson(1.5). --effect sets the true relative
change of a metric's mean per unit in the treatments (all of them, or VARIANT's); a metric without one has
none. --srm loses that share of a variant's units, a sample-ratio mismatch. Units are named sim-<seed>-<n>: the same flags write the same events
(a rerun stores nothing twice), and .assay/simulated.json beside the manifest tells the dashboard the data are
simulated, with their true effects.

options:
  --users N          visitors who arrive (1 to 50,000,000); those the experiment does not enroll see nothing
  --experiment ID    the experiment (default: the manifest's only one)
  --days D           days of traffic (default 14)
  --end YYYY-MM-DD   the last day, UTC (default yesterday, so no event lies in the future)
  --effect E         [VARIANT:]METRIC=+P% or -P%, the true effect (repeatable)
  --srm VARIANT=-P%  lose P% of VARIANT's units before exposure
  --metric NAME[:KIND]
                     a metric to write, KIND bool, numeric or count (repeatable; default the analysis plan's
                     metrics, else conversion and revenue)
  --order-value M    the mean order of a converting unit (default 50)
  --seed S           the seed (letters, digits, - and _; default 1)
${MANIFEST_FLAG}
  -h, --help         this help

example:
  npm run assay -- simulate --manifest examples/ssr-shop/assay.toml --users 20000 --days 7 --effect checkout=+15%
`,
    load: async () => (await import("../commands/simulate.js")).simulate,
  },
  import: {
    summary:
      "an assay.toml reproducing GrowthBook's, PostHog's, Optimizely's, Unleash's or Statsig's assignments",
    help: `usage: assay import (growthbook <payload.json> | posthog <flag-definitions.json>
                     | optimizely <datafile.json> | unleash <features.json>
                     | statsig <specs.json>) [-o FILE] [--force]

Prints (or writes to FILE) an assay.toml whose experiments reproduce the vendor's assignments with the vendor's
hashing. Simple targeting becomes targeting rules (GrowthBook conditions: strings with equality, $in, $nin,
$ne, $exists, $regex, numbers with $gt/$gte/$lt/$lte, $and, $not/$nor of one rule; a PostHog flag's single
condition: exact, is_not, icontains, starts_with, ends_with, regex, gt/gte/lt/lte, is_set, and its rollout;
Optimizely audiences: an AND of exact, exists, substring on strings; Unleash constraints: IN, NOT_IN,
STR_CONTAINS, STR_STARTS_WITH, STR_ENDS_WITH, inverted), Unleash's userId overrides forced units, for
attributes passed as strings. Optimizely: random groups, allocation gaps, a variation in several ranges,
forcedVariations (forced units beside audiences) and the flag experiments ahead of a delivery rule become the
optimizely mode's group, allocation, allowlist and after; each rollout rule is an experiment flag:rule.
Statsig (download_config_specs, v1 or v2): the manifest's statsig mode reads the payload file itself (its path written relative to FILE), and a targeting
gate of one rule becomes targeting rules (user fields and unit ids with any, none, their _case_sensitive
forms, str_starts_with_any, str_ends_with_any, str_contains_any/none, eq, neq, gt/gte/lt/lte, str_matches,
version_* as Statsig reads versions;
fail_gate/pass_gate), its rule passed over by the mode (hashing.skip_rules). What cannot be reproduced is
listed per experiment on stderr and as comments in the manifest; stderr also names the targeting carried
over. A payload file of - reads stdin (not for statsig: the mode needs the file).

options:
  -o, --output FILE  write the manifest to FILE instead of stdout
  --force            overwrite FILE when it exists
  -h, --help         this help

example:
  curl -s https://cdn.growthbook.io/api/features/KEY | npm run -s assay -- import growthbook - -o assay.toml
`,
    load: async () => (await import("../commands/import.js")).importCommand,
  },
};
