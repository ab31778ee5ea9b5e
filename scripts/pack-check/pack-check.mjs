// The install check: what a stranger gets from the packed packages. It packs every publishable package
// (pnpm pack rewrites workspace:* to versions), installs the tarballs with npm into a scratch app in the
// system's temp directory (outside the workspace, so nothing resolves from it), compiles the app with
// TypeScript 5 under node16, bundler and node10 resolution, and runs it: first on PostgreSQL only (and then
// better-sqlite3 must be absent from the tree, and a manifest that needs the embedded default must fail with
// the install command), then with @assay/store-sqlite added, on the embedded SQLite default.
//
// Usage (after `turbo run build`): node scripts/pack-check/pack-check.mjs [--keep]
// Env: ASSAY_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const keep = process.argv.includes("--keep");
const postgresUrl = process.env.ASSAY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const TYPESCRIPT = "5.9.3";
const TYPES_NODE = "20.19.43";
const timings = {};
const started = Date.now();

function step(name, run) {
  const t = Date.now();
  process.stdout.write(`pack-check: ${name} ... `);
  const result = run();
  timings[name] = (Date.now() - t) / 1000;
  console.log(`${timings[name].toFixed(1)} s`);
  return result;
}

function fail(message) {
  console.error(`\npack-check: FAILED: ${message}`);
  if (!keep) console.error("(run with --keep to keep the scratch app)");
  process.exit(1);
}

// npm compiles better-sqlite3 with node-gyp when no prebuilt binary can be downloaded; point it at the running
// Node's headers so it does not try to download those too (as scripts/pnpm.mjs does).
const env = { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false" };
const nodePrefix = dirname(dirname(process.execPath));
if (!env.npm_config_nodedir && existsSync(join(nodePrefix, "include", "node", "common.gypi"))) {
  env.npm_config_nodedir = nodePrefix;
}

function run(cmd, args, cwd, { allowFail = false } = {}) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) fail(`${cmd} ${args.join(" ")}: ${r.error.message}`);
  if (r.status !== 0 && !allowFail) {
    fail(`${cmd} ${args.join(" ")} exited ${r.status} in ${cwd}\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

// --- the packages ---------------------------------------------------------------------------------------------
const packages = ["packages", "plugins"]
  .flatMap((d) => readdirSync(join(root, d)).map((n) => join(root, d, n)))
  .filter((dir) => existsSync(join(dir, "package.json")))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
  .filter(({ pkg }) => pkg.private !== true);
for (const { dir, pkg } of packages) {
  if (!existsSync(join(dir, "dist"))) fail(`${pkg.name} has no dist/: build first (turbo run build)`);
}

const scratch = mkdtempSync(join(tmpdir(), "assay-pack-check-"));
const tarballs = join(scratch, "tarballs");
const app = join(scratch, "app");
mkdirSync(tarballs);

step("pnpm pack every publishable package", () => {
  run(
    process.execPath,
    [
      join(root, "scripts", "pnpm.mjs"),
      "-r",
      ...packages.flatMap(({ dir }) => ["--filter", `./${dir.slice(root.length + 1)}`]),
      "pack",
      "--pack-destination",
      tarballs,
    ],
    root,
  );
});

/** name -> { file, manifest } from the tarballs themselves (what npm will see). */
const packed = new Map();
for (const file of readdirSync(tarballs).filter((f) => f.endsWith(".tgz"))) {
  const manifest = JSON.parse(
    execFileSync("tar", ["-xOzf", join(tarballs, file), "package/package.json"], { encoding: "utf8" }),
  );
  for (const spec of Object.values({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    if (String(spec).startsWith("workspace:")) fail(`${file} still has a workspace: dependency (${spec})`);
  }
  const listed = execFileSync("tar", ["-tzf", join(tarballs, file)], { encoding: "utf8" }).split("\n");
  if (!listed.includes("package/LICENSE")) fail(`${file} has no LICENSE`);
  packed.set(manifest.name, { file: join(tarballs, file), manifest });
}
if (packed.size !== packages.length) fail(`packed ${packed.size} tarballs for ${packages.length} packages`);

/** The @assay packages `names` need, themselves included (dependencies and required peers, not optional ones). */
function closure(names) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    const entry = packed.get(name);
    if (entry === undefined) fail(`${name} is needed but was not packed`);
    seen.add(name);
    const { dependencies = {}, peerDependencies = {}, peerDependenciesMeta = {} } = entry.manifest;
    for (const dep of Object.keys(dependencies)) if (dep.startsWith("@assay/")) visit(dep);
    for (const dep of Object.keys(peerDependencies)) {
      if (dep.startsWith("@assay/") && peerDependenciesMeta[dep]?.optional !== true) visit(dep);
    }
  };
  for (const name of names) visit(name);
  return [...seen].sort();
}

// --- the scratch app, PostgreSQL only --------------------------------------------------------------------------
cpSync(join(here, "app"), app, { recursive: true });
const postgresApp = closure(["@assay/core", "@assay/runtime", "@assay/store-postgres"]);
const fileSpec = (name) => `file:${packed.get(name).file}`;
writeFileSync(
  join(app, "package.json"),
  `${JSON.stringify(
    {
      name: "assay-pack-check-app",
      private: true,
      type: "module",
      // Every @assay package comes from its tarball: none of them may be looked up on the registry.
      dependencies: Object.fromEntries(postgresApp.map((n) => [n, fileSpec(n)])),
      devDependencies: { "@types/node": TYPES_NODE, typescript: TYPESCRIPT },
    },
    null,
    2,
  )}\n`,
);

step(`npm install (${postgresApp.length} tarballs, no SQLite)`, () => {
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], app);
});

const sqliteInTree = run("npm", ["ls", "better-sqlite3", "--all", "--parseable"], app, { allowFail: true });
if (sqliteInTree.stdout.trim() !== "")
  fail(`better-sqlite3 is installed for a PostgreSQL-only app:\n${sqliteInTree.stdout}`);
const sqliteLs = run("npm", ["ls", "better-sqlite3", "--all"], app, { allowFail: true }).stdout;
if (!sqliteLs.includes("(empty)")) fail(`npm ls better-sqlite3 is not empty:\n${sqliteLs}`);
console.log("pack-check: npm ls better-sqlite3: (empty)");

function compileAll() {
  for (const resolution of ["node16", "bundler", "node10"]) {
    step(`tsc ${TYPESCRIPT} moduleResolution ${resolution}`, () => {
      run(join(app, "node_modules", ".bin", "tsc"), ["-p", `tsconfig.${resolution}.json`], app);
    });
  }
}
compileAll();

/** Runs the compiled app on a manifest; returns its JSON line and exit code. */
function runApp(manifest) {
  const r = run(process.execPath, ["dist/app.js", manifest], app, { allowFail: true });
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  let parsed;
  try {
    parsed = JSON.parse(line);
  } catch {
    fail(`the app printed no JSON on ${manifest} (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return { status: r.status, result: parsed };
}

function expectRecorded(label, { status, result }, store) {
  if (status !== 0) fail(`${label}: exit ${status}: ${JSON.stringify(result)}`);
  const { recorded, summarized } = result;
  const ok =
    result.store === store &&
    summarized.exposedUnits === recorded.exposed &&
    summarized.checkout === recorded.converted &&
    summarized.revenue === recorded.revenue;
  if (!ok) fail(`${label}: the results do not match what was recorded: ${JSON.stringify(result)}`);
  console.log(`pack-check: ${label}: ${JSON.stringify(result)}`);
}

const EXPERIMENT = `
[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout_button_color"
variants = [
  { id = "control", weight = 50, is_control = true },
  { id = "treatment", weight = 50 },
]
`;
const schema = `pack_check_${process.pid}_${Date.now().toString(36)}`;
writeFileSync(
  join(app, "assay.postgres.toml"),
  `${EXPERIMENT}
[[plugins]]
name = "events"
source = "@assay/store-postgres"
options = { url = ${JSON.stringify(postgresUrl)}, schema = ${JSON.stringify(schema)} }
`,
);
writeFileSync(
  join(app, "assay.toml"),
  `${EXPERIMENT}\n# No event store named: the embedded SQLite default.\n`,
);

const missing = step("run on the embedded default without @assay/store-sqlite", () => runApp("assay.toml"));
if (missing.status !== 3 || missing.result.installCommand !== "npm install @assay/store-sqlite") {
  fail(
    `a manifest that needs @assay/store-sqlite must fail with its install command: ${JSON.stringify(missing)}`,
  );
}
console.log(`pack-check: without the SQLite store: ${JSON.stringify(missing.result)}`);

try {
  expectRecorded(
    "PostgreSQL",
    step("run on PostgreSQL", () => runApp("assay.postgres.toml")),
    "postgres",
  );
} finally {
  // Drop the check's own schema in the shared server (pg came with @assay/store-postgres).
  writeFileSync(
    join(app, "drop-schema.mjs"),
    `import pg from "pg";
const client = new pg.Client({ connectionString: process.argv[2] });
await client.connect();
await client.query(\`DROP SCHEMA IF EXISTS "\${process.argv[3]}" CASCADE\`);
await client.end();
`,
  );
  run(process.execPath, ["drop-schema.mjs", postgresUrl, schema], app, { allowFail: true });
}

// --- add the SQLite store: the embedded default --------------------------------------------------------------
step("npm install @assay/store-sqlite (compiles better-sqlite3)", () => {
  run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--loglevel=error", fileSpec("@assay/store-sqlite")],
    app,
  );
});
compileAll();
expectRecorded(
  "SQLite",
  step("run on the embedded SQLite default", () => runApp("assay.toml")),
  "sqlite",
);

const total = (Date.now() - started) / 1000;
console.log(`pack-check: passed in ${total.toFixed(1)} s; timings (s): ${JSON.stringify(timings)}`);
if (keep) console.log(`pack-check: scratch app kept at ${app}`);
else rmSync(scratch, { recursive: true, force: true });
