import { ExperimentContext } from "@assay/core";
import type { AssayClientLike, ExperimentRef, StepExperiments } from "@assay/steps";
import { chance, type InvoiceJob } from "./billing.js";
import { invoiceRun } from "./invoice-run.js";
import { runWithRetries } from "./queue.js";

export interface BatchReport {
  readonly runs: number;
  readonly retried: number;
  readonly failed: number;
  /** Invoice renders actually executed: one per run when retries reuse the memoized variant and step. */
  readonly renders: number;
  /** Per account: the provider the worker charged with, and the one the web app's assay.assign gives. */
  readonly providers: ReadonlyMap<string, { readonly worker: string; readonly web: string }>;
  readonly chargebacks: number;
}

/**
 * Runs the invoice jobs through a worker pool of `concurrency` (retrying failed runs), then scores late
 * chargebacks through the payment refs the runs returned.
 */
export async function processInvoices(options: {
  readonly steps: StepExperiments;
  readonly assay: AssayClientLike;
  readonly jobs: readonly InvoiceJob[];
  readonly concurrency?: number;
}): Promise<BatchReport> {
  const { steps, assay, jobs } = options;
  const counters = { renders: 0 };
  let retried = 0;
  let failed = 0;
  const providers = new Map<string, { worker: string; web: string }>();
  const refs: ExperimentRef[] = [];
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      const current = job;
      const done = await runWithRetries(steps, current.invoiceId, (ctx, attempt) =>
        invoiceRun(ctx, current, attempt, counters),
      );
      if (done.attempts > 1) retried++;
      if (done.result === undefined) {
        failed++;
        console.error(`${current.invoiceId}: failed after ${done.attempts} attempts: ${done.error?.message}`);
        continue;
      }
      const web = assay.assign(
        "payments_provider",
        ExperimentContext.anonymous().withAttribute("account", current.accountId),
      ).variantId;
      providers.set(current.accountId, { worker: done.result.charge.provider, web });
      refs.push(done.result.paymentRef);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));

  // Chargebacks arrive weeks later, outside the runs: the refs attribute them to the run's provider.
  const disputed = refs.map(
    (ref) => chance(`dispute:${ref.runId}`) < (ref.variant === "adyen" ? 0.015 : 0.01),
  );
  await Promise.all(refs.map((ref, i) => steps.score(ref, "chargebacks", disputed[i] ? 1 : 0)));

  return {
    runs: jobs.length,
    retried,
    failed,
    renders: counters.renders,
    providers,
    chargebacks: disputed.filter(Boolean).length,
  };
}
