import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createAssay } from "@assay/runtime";
import { createStepExperiments } from "@assay/steps";
import { SqliteMemoStore } from "@assay/steps/sqlite";
import { processInvoices } from "./batch.js";
import { invoiceJobs } from "./billing.js";

/**
 * Processes a batch of invoice jobs through the two step experiments, retrying failed runs, then scores
 * late chargebacks. Results: `assay results invoice_engine` and `assay results payments_provider` with
 * this directory's assay.toml.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      jobs: { type: "string", default: "400" },
      accounts: { type: "string", default: "60" },
      concurrency: { type: "string", default: "8" },
      manifest: { type: "string", default: join(import.meta.dirname, "..", "assay.toml") },
    },
  });
  const manifest = resolve(values.manifest);
  const assay = await createAssay({ manifest });
  // Memos beside the events (.assay/); "normal" sync: a power cut may only make a run select again.
  const memo = new SqliteMemoStore({
    path: join(dirname(manifest), ".assay", "steps.db"),
    synchronous: "normal",
  });
  const steps = createStepExperiments({ assay, memo });
  const batch = `b${Date.now().toString(36)}`;
  const jobs = invoiceJobs(batch, Number(values.jobs), Number(values.accounts));

  const report = await processInvoices({ steps, assay, jobs, concurrency: Number(values.concurrency) });
  await assay.flush();

  const agree = [...report.providers.values()].filter((p) => p.worker === p.web).length;
  console.log(
    `processed ${report.runs} invoice runs (batch ${batch}): ${report.retried} retried, ${report.failed} failed`,
  );
  console.log(
    `invoice renders: ${report.renders} (one per run: retries reused the memoized variant and step)`,
  );
  console.log(
    `accounts whose provider matches the web app's assay.assign: ${agree}/${report.providers.size}`,
  );
  console.log(`late chargebacks scored through refs: ${report.chargebacks}`);
  const shown = relative(process.cwd(), manifest) || manifest;
  console.log("\nresults:");
  for (const id of ["invoice_engine", "payments_provider"]) {
    console.log(`  node packages/cli/dist/bin.js results ${id} --manifest ${shown}`);
  }
  await steps.close();
  await assay.close();
}

await main();
