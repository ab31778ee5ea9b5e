import type { StoredEvent } from "@assay/core";
import { describe, expect, it } from "vitest";
import { csvLine } from "../../src/routes/reads/export-format.js";

const at = new Date("2026-12-01T00:00:00.000Z");

describe("CSV export cells", () => {
  it("defuses text a spreadsheet would run as a formula, and leaves numbers and plain ids alone", () => {
    const exposure = {
      type: "exposure",
      eventId: '=HYPERLINK("http://x","y")',
      experiment: "checkout",
      variantId: "@SUM(A1)",
      userId: "+1-555",
      sessionId: "-s",
      timestamp: at,
    } as unknown as StoredEvent;
    expect(csvLine(exposure)).toBe(
      `"'=HYPERLINK(""http://x"",""y"")",exposure,checkout,'@SUM(A1),,,,'+1-555,'-s,${at.toISOString()},default,1,,`,
    );
    const outcome = {
      type: "outcome",
      eventId: "e1",
      experiment: "checkout",
      metric: "refund",
      value: { kind: "numeric", value: -12.5 },
      userId: "u1",
      timestamp: at,
    } as unknown as StoredEvent;
    expect(csvLine(outcome)).toBe(
      `e1,outcome,checkout,,refund,numeric,-12.5,u1,,${at.toISOString()},default,1,,`,
    );
    const staged = {
      ...exposure,
      environment: "staging",
      phase: 3,
      manifestVersion: "sha256:0123456789abcdef",
    };
    expect(csvLine(staged as StoredEvent).endsWith(",staging,3,sha256:0123456789abcdef,")).toBe(true);
    // the dimensions as one JSON cell, keys sorted, quoted as CSV quotes a cell with quotes or commas
    const sliced = { ...exposure, dimensions: { platform: "ios", country: "DE" } };
    expect(csvLine(sliced as StoredEvent).endsWith(`,"{""country"":""DE"",""platform"":""ios""}"`)).toBe(
      true,
    );
  });
});
