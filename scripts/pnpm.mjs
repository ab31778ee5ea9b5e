// Runs the pinned pnpm (package.json "packageManager") through npx, so that a machine with only
// Node and npm can use the workspace. corepack is not used: its signature check fails against
// some registries. Usage: node scripts/pnpm.mjs <pnpm arguments>
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const pinned = String(pkg.packageManager ?? "").replace(/\+.*$/, "");
if (!pinned.startsWith("pnpm@")) {
  console.error(`package.json "packageManager" must pin pnpm (found ${JSON.stringify(pkg.packageManager)})`);
  process.exit(2);
}
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };

// better-sqlite3 is compiled by node-gyp when no prebuilt binary can be downloaded (a closed network). node-gyp
// then downloads Node's headers unless it is told where they are, and fails offline. The running Node's own
// headers sit beside it (<prefix>/include/node) in official tarballs and in distribution packages, so point
// node-gyp there unless the user already chose a nodedir.
const nodePrefix = dirname(dirname(process.execPath));
const hasNodedir = env.npm_config_nodedir || env.NPM_CONFIG_NODEDIR;
if (!hasNodedir && existsSync(join(nodePrefix, "include", "node", "common.gypi"))) {
  env.npm_config_nodedir = nodePrefix;
}
const npx = process.platform === "win32" ? "npx.cmd" : "npx";
const result = spawnSync(npx, ["--yes", pinned, ...process.argv.slice(2)], { stdio: "inherit", env });
if (result.error) {
  console.error(`could not run ${pinned} through npx: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
