/**
 * The candidate `word` was probably meant to be, by @assay/core's `nearest` (typos, swapped letters, case and
 * `-`/`_`). Imported on demand: only a mistyped command pays for loading core.
 */
export async function suggestion(word: string, candidates: readonly string[]): Promise<string | undefined> {
  const { nearest } = await import("@assay/core");
  return nearest(word.replace(/^-+/, ""), candidates);
}
