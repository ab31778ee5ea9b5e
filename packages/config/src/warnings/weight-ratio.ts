import { issueAt, type ManifestIssue } from "../issue.js";
import type { Manifest } from "../manifest.js";

/** Weights this many times apart or more within one experiment are probably a typo (0.5 for 50). */
export const WEIGHT_RATIO_WARNING = 100;

/**
 * One warning per experiment whose positive weights are {@link WEIGHT_RATIO_WARNING}× apart or more
 * (`weight = 0.5` beside `weight = 50` is a 1 % / 99 % split), at the smallest weight. A weight of 0 is a
 * deliberate switch-off and not compared. Valid manifests only: the weights as the selected environment runs
 * them.
 */
export function weightRatioWarnings(manifest: Manifest): ManifestIssue[] {
  const warnings: ManifestIssue[] = [];
  for (const plugin of manifest.plugins) {
    plugin.experiments.forEach((experiment, i) => {
      const positive = experiment.variants
        .map((variant, index) => ({ variant, index }))
        .filter(({ variant }) => variant.weight > 0);
      if (positive.length < 2) return;
      const smallest = positive.reduce((a, b) => (b.variant.weight < a.variant.weight ? b : a));
      const largest = positive.reduce((a, b) => (b.variant.weight > a.variant.weight ? b : a));
      const ratio = largest.variant.weight / smallest.variant.weight;
      if (ratio < WEIGHT_RATIO_WARNING) return;
      const total = experiment.variants.reduce((sum, v) => sum + v.weight, 0);
      const share = (w: number) => `${Number(((100 * w) / total).toPrecision(3))} %`;
      warnings.push(
        issueAt(
          manifest,
          [...plugin.path, "experiments", i, "variants", smallest.index, "weight"],
          `warning: weight ${smallest.variant.weight} of \`${smallest.variant.id}\` is ${Number(ratio.toPrecision(3))}× smaller than ${largest.variant.weight} of \`${largest.variant.id}\`` +
            ` (a ${share(smallest.variant.weight)} / ${share(largest.variant.weight)} split); if that is meant, ignore this (--strict makes it an error)`,
        ),
      );
    });
  }
  return warnings;
}

/** Every warning of a valid manifest: things that validate but are probably not what was meant. */
export function manifestWarnings(manifest: Manifest): ManifestIssue[] {
  return weightRatioWarnings(manifest);
}
