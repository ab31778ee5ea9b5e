import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The built command, as the installed `assay` bin runs it. */
export const BIN = join(import.meta.dirname, "..", "dist", "bin.js");

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `assay` command in a child process, as a user would. */
export function cli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? process.cwd(),
    ...(options.input !== undefined ? { input: options.input } : {}),
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A temporary directory with the given files. */
export function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "assay-cli-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export const MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout_button_color"
variants = [
  { id = "control",   weight = 50, is_control = true },
  { id = "treatment", weight = 50 },
]

[[plugins.experiments]]
id = "pricing_page"
salt = "2026-q4"
variants = [
  { id = "control", weight = 5, is_control = true },
  { id = "annual_first", weight = 3 },
  { id = "monthly_first", weight = 2 },
]

[[plugins.experiments]]
id = "onboarding"
traffic = 0.25
variants = [
  { id = "control", weight = 1, is_control = true },
  { id = "short", weight = 1 },
  { id = "video", weight = 1 },
]

[[plugins.experiments]]
id = "banner"
unit = "session"
variants = [
  { id = "control", weight = 1, is_control = true },
  { id = "red", weight = 1 },
]
`;
