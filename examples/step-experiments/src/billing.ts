/**
 * Simulated billing services, deterministic per input so the demo and its tests are reproducible: an
 * invoice generator (the current one and a rewrite), two payment providers, and a receipt mailer that
 * fails now and then (so some runs are retried).
 */

export interface InvoiceJob {
  readonly invoiceId: string;
  readonly accountId: string;
  readonly amountCents: number;
}

export interface Invoice {
  readonly invoiceId: string;
  readonly engine: "current" | "rewrite";
  readonly renderMs: number;
  readonly pdfBytes: number;
}

export interface Charge {
  readonly provider: "stripe" | "adyen";
  readonly ok: boolean;
  readonly reference: string;
}

/** A number in [0, 1) derived from `seed` (FNV-1a + an avalanche step): the simulation's dice. */
export function chance(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

export function renderInvoiceV1(job: InvoiceJob): Invoice {
  return {
    invoiceId: job.invoiceId,
    engine: "current",
    renderMs: Math.round(140 + 80 * chance(`v1:${job.invoiceId}`)),
    pdfBytes: 48_000 + (job.amountCents % 1000),
  };
}

export function renderInvoiceV2(job: InvoiceJob): Invoice {
  return {
    invoiceId: job.invoiceId,
    engine: "rewrite",
    renderMs: Math.round(90 + 60 * chance(`v2:${job.invoiceId}`)),
    pdfBytes: 31_000 + (job.amountCents % 1000),
  };
}

export function charge(provider: Charge["provider"], job: InvoiceJob): Charge {
  const failureRate = provider === "stripe" ? 0.03 : 0.04;
  return {
    provider,
    ok: chance(`${provider}:${job.invoiceId}`) >= failureRate,
    reference: `${provider}_${job.invoiceId}`,
  };
}

/** Fails the first attempt of about one job in five: what a flaky SMTP relay does to a worker. */
export function emailReceipt(job: InvoiceJob, attempt: number): string {
  if (attempt === 1 && chance(`smtp:${job.invoiceId}`) < 0.2) {
    throw new Error(`SMTP relay timed out sending the receipt of ${job.invoiceId}`);
  }
  return `receipt sent for ${job.invoiceId}`;
}

/** `count` invoice jobs over `accounts` accounts; ids are prefixed by `batch` so every batch is new runs. */
export function invoiceJobs(batch: string, count: number, accounts: number): InvoiceJob[] {
  return Array.from({ length: count }, (_, i) => ({
    invoiceId: `${batch}-inv-${i}`,
    accountId: `acct-${Math.floor(chance(`${batch}:acct:${i}`) * accounts)}`,
    amountCents: 1000 + Math.floor(chance(`${batch}:amount:${i}`) * 90_000),
  }));
}
