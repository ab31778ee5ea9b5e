import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExperimentContext } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { createStepExperiments, MemoryMemoStore } from "@assay/steps";
import { exposureStepId } from "@assay/steps/inngest";
import { SqliteMemoStore } from "@assay/steps/sqlite";
import { InngestTestEngine } from "@inngest/test";
import { afterEach, describe, expect, it } from "vitest";
import { processInvoices } from "../src/batch.js";
import { invoiceJobs } from "../src/billing.js";
import { createInvoiceFunction } from "../src/inngest-function.js";

const MANIFEST = await readFile(join(import.meta.dirname, "..", "assay.toml"), "utf8");
const CLI = join(import.meta.dirname, "..", "..", "..", "packages", "cli", "dist", "bin.js");

async function worker() {
  const dir = await mkdtemp(join(tmpdir(), "assay-step-example-"));
  const manifest = join(dir, "assay.toml");
  await writeFile(manifest, MANIFEST);
  const assay = await createAssay({ manifest, handleSignals: false });
  const memo = new SqliteMemoStore({ path: join(dir, ".assay", "steps.db"), synchronous: "normal" });
  const steps = createStepExperiments({ assay, memo });
  opened.push(steps, assay);
  return { dir, manifest, assay, steps };
}

const opened: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const x of opened.splice(0)) await x.close();
});

describe("step-experiments example", () => {
  it("canaries the rewrite, keeps accounts on one provider, retries without re-selecting, and shows results", async () => {
    const { manifest, assay, steps } = await worker();
    const jobs = invoiceJobs("t1", 300, 40);
    const report = await processInvoices({ steps, assay, jobs, concurrency: 4 });
    expect(report.failed).toBe(0);
    expect(report.retried).toBeGreaterThan(20); // the mailer fails ~1 first attempt in 5
    expect(report.renders).toBe(300); // retries reused the memoized variant and its completed step
    for (const [account, p] of report.providers) expect(p.worker, account).toBe(p.web);

    await assay.flush();
    const invoice = await assay.summarize("invoice_engine");
    const units = Object.fromEntries(invoice.variants.map((v) => [v.variantId, v.exposedUnits]));
    expect(units.current! + units.rewrite!).toBe(300); // one exposure per run
    expect(invoice.variants.every((v) => v.exposures === v.exposedUnits)).toBe(true);
    expect(units.rewrite).toBeGreaterThan(10);
    expect(units.rewrite).toBeLessThan(55);
    const renderMs = invoice.metrics.find((m) => m.metric === "render_ms")!;
    expect(renderMs.variants.reduce((n, v) => n + v.n, 0)).toBe(300);

    const payments = await assay.summarize("payments_provider");
    expect(payments.variants.reduce((n, v) => n + v.exposedUnits, 0)).toBe(report.providers.size);
    expect(payments.unitsInSeveralVariants).toBe(0);
    expect(payments.metrics.map((m) => m.metric).sort()).toEqual(["chargebacks", "failed_charges"]);
    await assay.close();

    const cli = spawnSync(process.execPath, [CLI, "results", "invoice_engine", "--manifest", manifest], {
      encoding: "utf8",
    });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`current\\s+${units.current}\\s+${units.current}`));
    expect(cli.stdout).toMatch(new RegExp(`rewrite\\s+${units.rewrite}\\s+${units.rewrite}`));
    expect(cli.stdout).toContain("metric render_ms (numeric)");
  });

  it("runs the same experiments as an Inngest function (real SDK execution)", async () => {
    const { assay } = await worker();
    const steps = createStepExperiments({ assay, memo: new MemoryMemoStore() });
    const fn = createInvoiceFunction(steps);
    for (const job of invoiceJobs("inngest", 12, 6)) {
      // One engine per run: an engine carries the step state of its previous executions.
      const t = new InngestTestEngine({ function: fn });
      const { result, ctx } = await t.execute({ events: [{ name: "billing/invoice.requested", data: job }] });
      const { provider, invoice } = result as { provider: string; invoice: { engine: string } };
      const web = assay.assign(
        "payments_provider",
        ExperimentContext.anonymous().withAttribute("account", job.accountId),
      );
      expect(provider).toBe(web.variantId);
      expect(["current", "rewrite"]).toContain(invoice.engine);
      expect(ctx.step.run).toHaveBeenCalledWith(exposureStepId("invoice_engine"), expect.any(Function));
    }
    await assay.flush();
    const invoice = await assay.summarize("invoice_engine");
    expect(invoice.variants.reduce((n, v) => n + v.exposures, 0)).toBe(12);
  });

  it("the Inngest function's selection is the SDK's experiment step, with the metadata Inngest's trace shows", async () => {
    const { assay } = await worker();
    const fn = createInvoiceFunction(createStepExperiments({ assay }));
    const [job] = invoiceJobs("inngest-trace", 1, 1);
    const selection = await new InngestTestEngine({ function: fn }).executeStep("payments_provider", {
      events: [{ name: "billing/invoice.requested", data: job }],
    });
    expect((selection.step as { opts?: unknown }).opts).toEqual({ type: "group.experiment" });
    expect((selection.step as { metadata?: { values: unknown }[] }).metadata?.[0]?.values).toMatchObject({
      name: "payments_provider",
      selection_strategy: "bucket",
      available_variants: ["stripe", "adyen"],
      variant_weights: { stripe: 80, adyen: 20 },
    });
  });
});
