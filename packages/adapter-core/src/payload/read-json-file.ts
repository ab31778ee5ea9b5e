import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { BackendError } from "@assay/core";

/**
 * Reads a vendor payload (a GrowthBook features response, PostHog flag definitions, a datafile) from a JSON
 * file, relative to `baseDir` (the manifest's directory; default the working directory). A missing or
 * unparsable file is a BACKEND error naming the vendor, what the file is and its path.
 */
export async function readJsonFile(
  file: string,
  options: { readonly baseDir?: string | undefined; readonly vendor: string; readonly what: string },
): Promise<unknown> {
  const path = isAbsolute(file) ? file : resolve(options.baseDir ?? process.cwd(), file);
  try {
    return JSON.parse(await readFile(path, "utf8")) as unknown;
  } catch (error) {
    throw new BackendError(
      `${options.vendor}: cannot read the ${options.what} ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
