import { experiment, type StepExperiments } from "@assay/steps";
import { withAssay } from "@assay/steps/inngest";
import { Inngest } from "inngest";
import { charge, type InvoiceJob, renderInvoiceV1, renderInvoiceV2 } from "./billing.js";

export const inngest = new Inngest({ id: "billing" });

/**
 * The same two experiments as an Inngest function. `withAssay` drives the SDK's own `group.experiment` with
 * Assay's strategies: Inngest memoizes each selection in its experiment step (`invoice_engine`,
 * `payments_provider`) and shows name, variant, strategy and weights in the trace; a step
 * `experiment:<id>:exposure` then records the memoized variant into the Assay event store, so the worker,
 * the web app and this function share one set of results.
 */
export function createInvoiceFunction(steps: StepExperiments) {
  return inngest.createFunction(
    { id: "generate-invoice", triggers: [{ event: "billing/invoice.requested" }] },
    withAssay(steps, async ({ event, step, group }) => {
      const job = event.data as InvoiceJob;
      const invoice = await group.experiment("invoice_engine", {
        variants: {
          current: () => step.run("render-current", () => renderInvoiceV1(job)),
          rewrite: () => step.run("render-rewrite", () => renderInvoiceV2(job)),
        },
        select: experiment.weighted({ current: 90, rewrite: 10 }),
      });
      const payment = await group.experiment("payments_provider", {
        variants: {
          stripe: () => step.run("charge-stripe", () => charge("stripe", job)),
          adyen: () => step.run("charge-adyen", () => charge("adyen", job)),
        },
        select: experiment.bucket(job.accountId, { manifest: true }),
        withVariant: true,
      });
      return { invoice, charge: payment.result, provider: payment.variant };
    }),
  );
}
