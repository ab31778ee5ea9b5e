import { type ExperimentRef, experiment, type RunContext } from "@assay/steps";
import {
  type Charge,
  charge,
  emailReceipt,
  type Invoice,
  type InvoiceJob,
  renderInvoiceV1,
  renderInvoiceV2,
} from "./billing.js";

export interface InvoiceRunResult {
  readonly invoice: Invoice;
  readonly charge: Charge;
  /** Kept so a chargeback that arrives weeks later can be scored against this run's provider. */
  readonly paymentRef: ExperimentRef;
  readonly receipt: string;
}

/**
 * One invoice job as a durable run. Two step experiments:
 * - `invoice_engine` canaries the rewritten generator on 10% of runs (weighted, seeded by the run id);
 * - `payments_provider` keeps every account on one provider (bucket by account id, delegated to the
 *   declaration in assay.toml, so the web app's `assay.assign` agrees).
 * The receipt step fails now and then; the queue retries the run, which keeps both selections and skips
 * the completed steps.
 */
export async function invoiceRun(
  { step, group }: RunContext,
  job: InvoiceJob,
  attempt: number,
  counters: { renders: number } = { renders: 0 },
): Promise<InvoiceRunResult> {
  const invoice = await group.experiment("invoice_engine", {
    variants: {
      current: async (v) => {
        const rendered = await step.run("render-current", () => {
          counters.renders++;
          return renderInvoiceV1(job);
        });
        await v.score("render_ms", rendered.renderMs);
        return rendered;
      },
      rewrite: async (v) => {
        const rendered = await step.run("render-rewrite", () => {
          counters.renders++;
          return renderInvoiceV2(job);
        });
        await v.score("render_ms", rendered.renderMs);
        return rendered;
      },
    },
    select: experiment.weighted({ current: 90, rewrite: 10 }),
  });

  const payment = await group.experiment("payments_provider", {
    variants: {
      stripe: async (v) => {
        const result = await step.run("charge-stripe", () => charge("stripe", job));
        await v.score("failed_charges", result.ok ? 0 : 1);
        return result;
      },
      adyen: async (v) => {
        const result = await step.run("charge-adyen", () => charge("adyen", job));
        await v.score("failed_charges", result.ok ? 0 : 1);
        return result;
      },
    },
    select: experiment.bucket(job.accountId, { manifest: true }),
    withVariant: true,
  });

  const receipt = await step.run("email-receipt", () => emailReceipt(job, attempt));
  return { invoice, charge: payment.result, paymentRef: payment.ref, receipt };
}
