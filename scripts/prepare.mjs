// Runs after `pnpm install`: builds every package so that `npm run assay -- ...` and the examples run at once.
// A failed build does not fail the install (the dependencies are in place either way); the commands that
// need the build (`pnpm test`, `pnpm bench`, `pnpm demo`) build again and fail loudly there.
import { spawnSync } from "node:child_process";

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };
const result = spawnSync("turbo", ["run", "build", "--output-logs=errors-only"], {
  stdio: "inherit",
  env,
  shell: true,
});
if (result.status !== 0) {
  console.warn(
    "\nassay: building the workspace after install failed; see the errors above (`pnpm build` retries).",
  );
}
