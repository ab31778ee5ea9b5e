// A stranger's app on the packed Assay packages: assign, expose, track, then read the results through the
// API. Compiled by TypeScript 5 under node16, bundler and node10 resolution; run by pack-check.mjs with the
// manifest to use as its argument. Prints one JSON line: what it recorded and what the store summarized.
import { ExperimentContext, type Variant } from "@assay/core";
import { createAssay, MissingPackageError } from "@assay/runtime";

const manifest = process.argv[2] ?? "assay.toml";
const USERS = 200;

try {
  const assay = await createAssay({ manifest, handleSignals: false });
  const recorded = { exposed: 0, converted: 0, revenue: 0 };
  for (let i = 0; i < USERS; i++) {
    const ctx = ExperimentContext.forUser(`user-${i}`);
    const variant: Variant = assay.assign("checkout_button_color", ctx);
    await assay.expose(variant, ctx);
    recorded.exposed++;
    if (i % 3 === 0) {
      await assay.track("checkout_button_color", "checkout", true, ctx);
      await assay.track("checkout_button_color", "revenue", 10, ctx);
      recorded.converted++;
      recorded.revenue += 10;
    }
  }
  await assay.flush();
  const summary = await assay.summarize("checkout_button_color");
  const exposedUnits = summary.variants.reduce((n, v) => n + v.exposedUnits, 0);
  const metric = (name: string) =>
    summary.metrics.find((m) => m.metric === name)?.variants.reduce((n, v) => n + v.sum, 0);
  console.log(
    JSON.stringify({
      store: assay.store.name,
      recorded,
      summarized: { exposedUnits, checkout: metric("checkout"), revenue: metric("revenue") },
    }),
  );
  await assay.close();
} catch (error) {
  if (error instanceof MissingPackageError) {
    console.log(JSON.stringify({ missing: error.packages, installCommand: error.installCommand }));
    process.exit(3);
  }
  throw error;
}
