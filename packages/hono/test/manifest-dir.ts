import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary folder holding `assay.toml` with the given text; returns the folder. */
export async function manifestDir(manifest: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "assay-hono-"));
  await writeFile(join(dir, "assay.toml"), manifest);
  return dir;
}
