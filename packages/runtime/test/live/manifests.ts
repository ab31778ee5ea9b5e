/**
 * Version `n` of a test manifest: three experiments whose every variant carries `value = n`, so any
 * assignment tells which version answered, and a treatment weight that changes with `n`.
 */
export function versionedManifest(n: number, extra = ""): string {
  const experiment = (id: string) => `
[[plugins.experiments]]
id = "${id}"
variants = [
  { id = "control", weight = 100, is_control = true, value = ${n} },
  { id = "treatment", weight = ${n}, value = ${n} },
]
`;
  return `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"
${experiment("a")}${experiment("b")}${experiment("c")}${extra}`;
}

/** Polls `condition` every few milliseconds until it holds; rejects after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<number> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - start;
}
