import type { Io } from "../io.js";

/** `--manifest`, else `ASSAY_MANIFEST`, else `./assay.toml` (relative to the working directory). */
export function manifestPath(flag: string | undefined, io: Io): string {
  return flag ?? io.env.ASSAY_MANIFEST ?? "assay.toml";
}
