import {
  type EventStore,
  type ExperimentSummary,
  MAX_ID_LENGTH,
  type OutcomeValue,
  requireId,
  type StoredEvent,
  summarizeEvents,
} from "@assay/core";
import { describe, expect, it } from "vitest";

/** How the suite builds the store under test. */
export interface EventStoreHarness {
  /** A fresh, empty store (initialized by the suite through `init`). */
  create(): EventStore | Promise<EventStore>;
  /** Optional: close `store` and open a new instance over the same data, to check durability. */
  reopen?(store: EventStore): EventStore | Promise<EventStore>;
}

const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
const DAY_MINUTES = 24 * 60;
let counter = 0;
const id = () => `evt-${process.pid}-${Date.now()}-${counter++}`;

function exposure(experiment: string, variantId: string, userId: string, minute: number): StoredEvent {
  return { type: "exposure", eventId: id(), experiment, variantId, userId, timestamp: t(minute) };
}
function outcome(
  experiment: string,
  metric: string,
  value: OutcomeValue,
  unit: { userId?: string; sessionId?: string },
  minute: number,
): StoredEvent {
  return { type: "outcome", eventId: id(), experiment, metric, value, ...unit, timestamp: t(minute) };
}

/**
 * The contract every EventStore honours: idempotent appends and the summary semantics (first exposure by
 * timestamp, outcomes only at or after it, per-unit aggregation by metric kind, unexposed units excluded).
 */
export function testEventStore(name: string, harness: EventStoreHarness): void {
  const open = async () => {
    const store = await harness.create();
    await store.init?.();
    return store;
  };
  // Each test uses its own experiment id so stores that share a database between tests stay independent.
  const experimentId = (label: string) => `conf_${label}_${process.pid}_${counter++}`;

  describe(`EventStore conformance: ${name}`, () => {
    it("ignores repeated event ids within and across batches", async () => {
      const store = await open();
      const exp = experimentId("dedup");
      const e = exposure(exp, "control", "u1", 0);
      expect(await store.append([e, e])).toEqual({ inserted: 1, duplicates: 1 });
      expect(await store.append([e])).toEqual({ inserted: 0, duplicates: 1 });
      const summary = await store.summarize({ experiment: exp });
      expect(summary.variants).toEqual([{ variantId: "control", exposedUnits: 1, exposures: 1 }]);
      await store.close?.();
    });

    it("takes concurrent appends of batches that share ids (in any order) and stores each id once", async () => {
      const store = await open();
      const exp = experimentId("concurrent");
      const batch = Array.from({ length: 2000 }, (_, i) => exposure(exp, i % 2 ? "a" : "b", `u${i}`, i));
      const halves = [batch.slice(0, 1200), batch.slice(800)];
      // the pipeline keeps several commits in flight; a resent id can be in two of them at once
      const results = await Promise.all([
        store.append(batch),
        store.append([...batch].reverse()),
        store.append(halves[0]!),
        store.append([...halves[1]!].reverse()),
      ]);
      expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(2000);
      expect(results.reduce((n, r) => n + r.inserted + r.duplicates, 0)).toBe(2000 * 2 + 1200 + 1200);
      const summary = await store.summarize({ experiment: exp });
      const byVariant = summary.variants.map((v) => [v.variantId, v.exposedUnits, v.exposures]);
      expect(byVariant.sort()).toEqual([
        ["a", 1000, 1000],
        ["b", 1000, 1000],
      ]);
      await store.close?.();
    });

    it("attributes a unit to its first exposure by timestamp, not by arrival", async () => {
      const store = await open();
      const exp = experimentId("first");
      await store.append([exposure(exp, "treatment", "u1", 10)]);
      await store.append([exposure(exp, "control", "u1", 5)]); // arrives late, happened first
      const summary = await store.summarize({ experiment: exp });
      expect(summary.variants.find((v) => v.variantId === "control")?.exposedUnits).toBe(1);
      expect(summary.variants.find((v) => v.variantId === "treatment")?.exposedUnits ?? 0).toBe(0);
      expect(summary.unitsInSeveralVariants).toBe(1);
      await store.close?.();
    });

    it("counts outcomes at or after the first exposure only, aggregated per unit by kind", async () => {
      const store = await open();
      const exp = experimentId("agg");
      await store.append([
        exposure(exp, "control", "a", 10),
        exposure(exp, "control", "b", 10),
        exposure(exp, "treatment", "c", 10),
        exposure(exp, "treatment", "c", 20), // a second exposure of the same unit
        // bool: converted at least once
        outcome(exp, "buy", { kind: "bool", value: true }, { userId: "a" }, 11),
        outcome(exp, "buy", { kind: "bool", value: true }, { userId: "a" }, 12),
        outcome(exp, "buy", { kind: "bool", value: true }, { userId: "b" }, 9), // before exposure: excluded
        outcome(exp, "buy", { kind: "bool", value: true }, { userId: "c" }, 10), // at exposure: counted
        // numeric: sum per unit
        outcome(exp, "revenue", { kind: "numeric", value: 2.5 }, { userId: "a" }, 11),
        outcome(exp, "revenue", { kind: "numeric", value: 4 }, { userId: "a" }, 15),
        outcome(exp, "revenue", { kind: "numeric", value: 10 }, { userId: "c" }, 30),
        // count: sum per unit
        outcome(exp, "items", { kind: "count", value: 2 }, { userId: "b" }, 11),
        outcome(exp, "items", { kind: "count", value: 3 }, { userId: "b" }, 12),
        // never exposed: kept, excluded
        outcome(exp, "buy", { kind: "bool", value: true }, { userId: "stranger" }, 11),
      ]);
      const summary = await store.summarize({ experiment: exp });
      expect(summary.variants).toEqual([
        { variantId: "control", exposedUnits: 2, exposures: 2 },
        { variantId: "treatment", exposedUnits: 1, exposures: 2 },
      ]);
      const metric = (m: string) => summary.metrics.find((x) => x.metric === m)!;
      expect(metric("buy").kind).toBe("bool");
      expect(metric("buy").variants).toEqual([
        { variantId: "control", n: 2, sum: 1, sumSquares: 1, sumSquaredDeviations: 0.5 },
        { variantId: "treatment", n: 1, sum: 1, sumSquares: 1, sumSquaredDeviations: 0 },
      ]);
      expect(metric("revenue").variants).toEqual([
        { variantId: "control", n: 2, sum: 6.5, sumSquares: 42.25, sumSquaredDeviations: 21.125 },
        { variantId: "treatment", n: 1, sum: 10, sumSquares: 100, sumSquaredDeviations: 0 },
      ]);
      expect(metric("items").kind).toBe("count");
      expect(metric("items").variants[0]).toEqual({
        variantId: "control",
        n: 2,
        sum: 5,
        sumSquares: 25,
        sumSquaredDeviations: 12.5,
      });
      expect(summary.unattributedOutcomes).toBe(2);
      const only = await store.summarize({ experiment: exp, metrics: ["items"] });
      expect(only.metrics.map((m) => m.metric)).toEqual(["items"]);
      await store.close?.();
    });

    it("keys anonymous units by session id", async () => {
      const store = await open();
      const exp = experimentId("session");
      await store.append([
        {
          type: "exposure",
          eventId: id(),
          experiment: exp,
          variantId: "control",
          sessionId: "s1",
          timestamp: t(1),
        },
        outcome(exp, "buy", { kind: "bool", value: true }, { sessionId: "s1" }, 2),
      ]);
      const summary = await store.summarize({ experiment: exp, unit: "session" });
      expect(summary.metrics[0]?.variants[0]).toEqual({
        variantId: "control",
        n: 1,
        sum: 1,
        sumSquares: 1,
        sumSquaredDeviations: 0,
      });
      await store.close?.();
    });

    it("orders exposures with equal timestamps by eventId", async () => {
      const store = await open();
      const exp = experimentId("tie");
      const at = t(3);
      await store.append([
        {
          type: "exposure",
          eventId: `${exp}-b`,
          experiment: exp,
          variantId: "a_variant",
          userId: "u",
          timestamp: at,
        },
      ]);
      await store.append([
        {
          type: "exposure",
          eventId: `${exp}-a`,
          experiment: exp,
          variantId: "b_variant",
          userId: "u",
          timestamp: at,
        },
      ]);
      const summary = await store.summarize({ experiment: exp });
      expect(summary.variants).toEqual([{ variantId: "b_variant", exposedUnits: 1, exposures: 1 }]);
      expect(summary.unitsInSeveralVariants).toBe(1);
      await store.close?.();
    });

    it("counts raw exposures per variant (for SRM) apart from exposed units", async () => {
      const store = await open();
      const exp = experimentId("srm");
      const batch: StoredEvent[] = [];
      for (let u = 0; u < 30; u++) {
        const variant = u % 3 === 0 ? "treatment" : "control";
        for (let k = 0; k <= u % 4; k++) batch.push(exposure(exp, variant, `u${u}`, k));
      }
      await store.append(batch);
      const summary = await store.summarize({ experiment: exp });
      // control: 20 units (u % 3 != 0); exposures 1 + (u % 4) each
      const exposuresOf = (pick: (u: number) => boolean) =>
        Array.from({ length: 30 }, (_, u) => u)
          .filter(pick)
          .reduce((n, u) => n + 1 + (u % 4), 0);
      expect(summary.variants).toEqual([
        { variantId: "control", exposedUnits: 20, exposures: exposuresOf((u) => u % 3 !== 0) },
        { variantId: "treatment", exposedUnits: 10, exposures: exposuresOf((u) => u % 3 === 0) },
      ]);
      expect(summary.unitsInSeveralVariants).toBe(0);
      expect(summary.metrics).toEqual([]);
      await store.close?.();
    });

    it("keys units by user id, else session id, or by session id alone when the unit is the session", async () => {
      const store = await open();
      const exp = experimentId("units");
      const ev = (
        type: "exposure" | "outcome",
        unit: { userId?: string; sessionId?: string },
        minute: number,
      ): StoredEvent =>
        type === "exposure"
          ? { type, eventId: id(), experiment: exp, variantId: "control", ...unit, timestamp: t(minute) }
          : {
              type,
              eventId: id(),
              experiment: exp,
              metric: "buy",
              value: { kind: "bool", value: true },
              ...unit,
              timestamp: t(minute),
            };
      await store.append([
        ev("exposure", { sessionId: "s1" }, 1), // anonymous visitor
        ev("exposure", { userId: "alice", sessionId: "s2" }, 1),
        ev("exposure", { userId: "alice", sessionId: "s3" }, 2), // same user, new session
        ev("outcome", { sessionId: "s1" }, 2),
        ev("outcome", { userId: "alice" }, 3), // no session: only a user-level outcome
        ev("outcome", { userId: "bob", sessionId: "s3" }, 4), // another user in alice's s3 session
      ]);
      const byUser = await store.summarize({ experiment: exp });
      expect(byUser.variants).toEqual([{ variantId: "control", exposedUnits: 2, exposures: 3 }]);
      expect(byUser.metrics[0]?.variants[0]).toEqual({
        variantId: "control",
        n: 2,
        sum: 2,
        sumSquares: 2,
        sumSquaredDeviations: 0,
      });
      expect(byUser.unattributedOutcomes).toBe(1); // bob was never exposed
      const bySession = await store.summarize({ experiment: exp, unit: "session" });
      expect(bySession.variants).toEqual([{ variantId: "control", exposedUnits: 3, exposures: 3 }]);
      expect(bySession.metrics[0]?.variants[0]).toEqual({
        variantId: "control",
        n: 3,
        sum: 2,
        sumSquares: 2,
        sumSquaredDeviations: 2 - 4 / 3,
      });
      expect(bySession.unattributedOutcomes).toBe(1); // alice's outcome has no session
      await store.close?.();
    });

    it("returns the cumulative per-day series", async () => {
      const store = await open();
      const exp = experimentId("daily");
      const day = (d: number, minute = 0) => d * DAY_MINUTES + minute;
      await store.append([
        exposure(exp, "control", "a", day(0, 10)),
        exposure(exp, "treatment", "b", day(0, 20)),
        outcome(exp, "revenue", { kind: "numeric", value: 3 }, { userId: "a" }, day(0, 30)),
        // day 1: nothing happens
        exposure(exp, "control", "c", day(2, 5)),
        exposure(exp, "control", "a", day(2, 6)), // repeat exposure: counted in exposures only
        outcome(exp, "revenue", { kind: "numeric", value: 2 }, { userId: "a" }, day(2, 7)),
        outcome(exp, "revenue", { kind: "numeric", value: 5 }, { userId: "b" }, day(2, 8)),
        outcome(exp, "revenue", { kind: "numeric", value: 7 }, { userId: "c" }, day(2, 1)), // before c's exposure
        outcome(exp, "revenue", { kind: "numeric", value: 1 }, { userId: "c" }, day(3, 0)),
      ]);
      const summary = await store.summarize({ experiment: exp, daily: true });
      expect(summary.daily?.map((d) => d.day)).toEqual([
        "2026-01-01",
        "2026-01-02",
        "2026-01-03",
        "2026-01-04",
      ]);
      const [d0, d1, d2, d3] = summary.daily!;
      expect(d0!.variants).toEqual([
        { variantId: "control", exposedUnits: 1, exposures: 1 },
        { variantId: "treatment", exposedUnits: 1, exposures: 1 },
      ]);
      expect(d0!.metrics).toEqual([
        {
          metric: "revenue",
          variants: [
            { variantId: "control", n: 1, sum: 3, sumSquares: 9, sumSquaredDeviations: 0 },
            { variantId: "treatment", n: 1, sum: 0, sumSquares: 0, sumSquaredDeviations: 0 },
          ],
        },
      ]);
      expect(d1).toEqual({ ...d0, day: "2026-01-02" });
      expect(d2!.variants).toEqual([
        { variantId: "control", exposedUnits: 2, exposures: 3 },
        { variantId: "treatment", exposedUnits: 1, exposures: 1 },
      ]);
      // a: 3 + 2 = 5, c: 0 (its 7 came before its exposure); b: 5
      expect(d2!.metrics[0]!.variants).toEqual([
        { variantId: "control", n: 2, sum: 5, sumSquares: 25, sumSquaredDeviations: 12.5 },
        { variantId: "treatment", n: 1, sum: 5, sumSquares: 25, sumSquaredDeviations: 0 },
      ]);
      expect(d3!.metrics[0]!.variants[0]).toEqual({
        variantId: "control",
        n: 2,
        sum: 6,
        sumSquares: 26,
        sumSquaredDeviations: 8,
      });
      // the last point is the whole summary
      expect(d3!.variants).toEqual(summary.variants);
      expect(d3!.metrics[0]!.variants).toEqual(summary.metrics[0]!.variants);
      expect((await store.summarize({ experiment: exp })).daily).toBeUndefined();
      await store.close?.();
    });

    it("refuses to summarize a metric recorded with two kinds", async () => {
      const store = await open();
      const exp = experimentId("kinds");
      await store.append([
        exposure(exp, "control", "a", 0),
        outcome(exp, "m", { kind: "count", value: 1 }, { userId: "a" }, 1),
        outcome(exp, "m", { kind: "numeric", value: 1.5 }, { userId: "a" }, 2),
      ]);
      await expect(store.summarize({ experiment: exp })).rejects.toMatchObject({ code: "INVALID_CONTEXT" });
      await store.close?.();
    });

    it("counts exactly the outcomes inside a window: from the first exposure, up to but not at its end", async () => {
      const store = await open();
      const exp = experimentId("window");
      const hour = 60; // minutes
      await store.append([
        exposure(exp, "control", "a", 10 * hour),
        exposure(exp, "control", "a", 12 * hour), // a later exposure: the window runs from the first
        outcome(exp, "spend", { kind: "numeric", value: 1 }, { userId: "a" }, 10 * hour - 1), // before it
        outcome(exp, "spend", { kind: "numeric", value: 2 }, { userId: "a" }, 10 * hour), // at its start
        outcome(exp, "spend", { kind: "numeric", value: 4 }, { userId: "a" }, 34 * hour - 1), // last minute in
        outcome(exp, "spend", { kind: "numeric", value: 8 }, { userId: "a" }, 34 * hour), // at its end: out
        exposure(exp, "control", "b", 0),
      ]);
      const summary = await store.summarize({
        experiment: exp,
        windowed: [{ metric: "spend", windowMs: 86_400_000 }],
      });
      expect(summary.windowed).toEqual([
        {
          metric: "spend",
          windowMs: 86_400_000,
          variants: [{ variantId: "control", n: 2, sum: 6, sumSquares: 36, sumSquaredDeviations: 18 }],
        },
      ]);
      expect(summary.metrics[0]?.variants[0]).toMatchObject({ sum: 14 }); // the metric itself counts all after
      await store.close?.();
    });

    it("summarizes an experiment with no events as empty", async () => {
      const store = await open();
      const exp = experimentId("empty");
      expect(await store.summarize({ experiment: exp, daily: true })).toEqual({
        experiment: exp,
        scope: { environment: "default", phase: 1, phases: [], manifestVersions: [] },
        variants: [],
        metrics: [],
        unitsInSeveralVariants: 0,
        unattributedOutcomes: 0,
        daily: [],
      });
      await store.close?.();
    });

    it("agrees with the in-memory reference on random streams with late and repeated events", async () => {
      const store = await open();
      for (let seed = 1; seed <= 3; seed++) {
        const exp = experimentId(`random${seed}`);
        const events = randomStream(exp, seed, 600);
        // shuffled arrival, in batches, with about 10% of the events sent again
        const random = mulberry32(seed * 7919);
        const arrival = [...events].sort(() => random() - 0.5);
        const sent: StoredEvent[] = [];
        for (const e of arrival) {
          sent.push(e);
          if (random() < 0.1) sent.push(events[Math.floor(random() * events.length)]!);
        }
        let inserted = 0;
        for (let i = 0; i < sent.length; i += 97)
          inserted += (await store.append(sent.slice(i, i + 97))).inserted;
        expect(inserted).toBe(events.length);
        for (const unit of ["user", "session"] as const) {
          const query = { experiment: exp, unit, daily: true };
          expectSummariesClose(await store.summarize(query), summarizeEvents(events, query));
        }
        const some = { experiment: exp, metrics: ["revenue", "nothing"] };
        expectSummariesClose(await store.summarize(some), summarizeEvents(events, some));
        // ratio metrics' cross-products: Σ numerator × denominator per variant, over units
        const ratios = {
          experiment: exp,
          ratios: [
            { numerator: "revenue", denominator: "items" },
            { numerator: "buy", denominator: "items" },
            { numerator: "revenue", denominator: "nothing" },
          ],
        };
        const withRatios = await store.summarize(ratios);
        expect(withRatios.ratios?.map((r) => r.variants.length)).toEqual([3, 3, 3]);
        expectSummariesClose(withRatios, summarizeEvents(events, ratios));
        // capped metrics: the pooled cap and the statistics of the capped per-unit values
        const capped = {
          experiment: exp,
          capped: [
            { metric: "revenue", percentile: 0.9 },
            { metric: "items", value: 2 },
            { metric: "nothing", percentile: 0.5 },
          ],
        };
        const withCaps = await store.summarize(capped);
        expect(withCaps.capped?.map((c) => c.variants.length)).toEqual([3, 3, 3]);
        expect(withCaps.capped?.[1]?.cap).toBe(2);
        expectSummariesClose(withCaps, summarizeEvents(events, capped));
        // windowed metrics: only the outcomes within the window after each unit's first exposure
        const windowed = {
          experiment: exp,
          windowed: [
            { metric: "revenue", windowMs: 86_400_000 },
            { metric: "buy", windowMs: 36 * 3_600_000 },
            { metric: "items", windowMs: 1 },
          ],
        };
        const withWindows = await store.summarize(windowed);
        expect(withWindows.windowed?.map((w) => w.variants.length)).toEqual([3, 3, 3]);
        expectSummariesClose(withWindows, summarizeEvents(events, windowed));
        // CUPED covariates: each unit's outcomes of the metric in the pre-period before its first exposure
        const cuped = {
          experiment: exp,
          cuped: [
            { metric: "revenue", preWindowMs: 2 * 86_400_000 },
            { metric: "buy", preWindowMs: 5 * 86_400_000 },
          ],
        };
        const withCuped = await store.summarize(cuped);
        expect(withCuped.cuped?.map((c) => c.variants.length)).toEqual([3, 3]);
        expect(withCuped.cuped?.[0]?.variants.some((v) => v.sum !== 0)).toBe(true);
        expectSummariesClose(withCuped, summarizeEvents(events, cuped));
        // quantiles of the per-unit values: with the zeros, without them, and next to a cap of the same metric
        const quantiles = {
          experiment: exp,
          capped: [{ metric: "revenue", percentile: 0.5 }],
          quantiles: [
            { metric: "revenue", probability: 0.9 },
            { metric: "revenue", probability: 0.5, ignoreZeros: true, confidence: 0.8 },
            { metric: "items", probability: 0.25 },
            { metric: "buy", probability: 0.5 },
            { metric: "nothing", probability: 0.5 },
          ],
        };
        const withQuantiles = await store.summarize(quantiles);
        expect(withQuantiles.quantiles?.map((q) => q.variants.length)).toEqual([3, 3, 3, 3, 3]);
        expect(withQuantiles.quantiles?.[1]?.variants.every((v) => v.estimate !== 0)).toBe(true);
        expectSummariesClose(withQuantiles, summarizeEvents(events, quantiles));
      }
      await store.close?.();
    });

    it("keeps ratio, capped, windowed, CUPED and slice sums current as late, earlier and repeated events keep arriving", async () => {
      // A store may keep these as running totals from the first summary that asks for them on (SQLite and
      // PostgreSQL do): each later summary must still equal the reference over what was sent so far.
      const store = await open();
      for (let seed = 21; seed <= 22; seed++) {
        const exp = experimentId(`derived${seed}`);
        const events = withDimensions(randomStream(exp, seed, 700), seed);
        const random = mulberry32(seed * 104_729);
        const arrival = [...events].sort(() => random() - 0.5);
        const sent: StoredEvent[] = [];
        const seen = new Map<string, StoredEvent>();
        const query = (unit: "user" | "session", wide: boolean) => ({
          experiment: exp,
          unit,
          // slices kept by the fold too, from the first breakdown on (a second dimension asked for later)
          breakdown: wide && unit === "user" ? "platform" : "country",
          ratios: [
            { numerator: "revenue", denominator: "items" },
            { numerator: "buy", denominator: "revenue" },
          ],
          windowed: [
            { metric: "revenue", windowMs: 86_400_000 },
            { metric: "buy", windowMs: 6 * 3_600_000 },
            // asked for only later: a longer window on a metric the store keeps a window of already
            ...(wide ? [{ metric: "revenue", windowMs: 3 * 86_400_000 }] : []),
          ],
          cuped: [
            { metric: "revenue", preWindowMs: 2 * 86_400_000 },
            { metric: "buy", preWindowMs: 86_400_000 },
          ],
          capped: [
            { metric: "revenue", percentile: 0.8 },
            { metric: "items", value: 2 },
            { metric: "revenue", percentile: 0.999 },
          ],
        });
        let batch = 0;
        for (let i = 0; i < arrival.length; i += 60) {
          const slice = arrival.slice(i, i + 60);
          // about 10% sent again in a later batch
          if (sent.length > 0)
            for (let k = 0; k < 6; k++) slice.push(sent[Math.floor(random() * sent.length)]!);
          await store.append(slice);
          for (const e of slice) {
            sent.push(e);
            seen.set(e.eventId, e);
          }
          batch++;
          if (batch % 3 !== 1) continue;
          const wide = batch > 6;
          for (const unit of ["user", "session"] as const) {
            const q = query(unit, wide);
            expectSummariesClose(await store.summarize(q), summarizeEvents([...seen.values()], q));
          }
        }
        const last = query("user", true);
        expectSummariesClose(await store.summarize(last), summarizeEvents(events, last));
      }
      await store.close?.();
    });

    it("cuts a summary by a dimension of the units' first exposures, as the reference does", async () => {
      const store = await open();
      for (let seed = 31; seed <= 33; seed++) {
        const exp = experimentId(`dims${seed}`);
        const events = withDimensions(randomStream(exp, seed, 600), seed);
        // a late exposure, earlier than every other of its unit, with other dimensions: it moves the unit's
        // variant and its slice (sent last, after the folds of everything else)
        const late: StoredEvent = {
          type: "exposure",
          eventId: `${exp}-late`,
          experiment: exp,
          variantId: "c",
          userId: "user-3",
          sessionId: "sess-3",
          timestamp: new Date(Date.UTC(2026, 1, 27)),
          dimensions: { country: "JP", platform: "tv" },
        };
        const random = mulberry32(seed * 6_271);
        const arrival = [...events].sort(() => random() - 0.5);
        for (let i = 0; i < arrival.length; i += 89) await store.append(arrival.slice(i, i + 89));
        const queries = (all: readonly StoredEvent[]) =>
          [
            { experiment: exp, breakdown: "country" },
            { experiment: exp, breakdown: "country", unit: "session" as const },
            { experiment: exp, breakdown: "platform", metrics: ["revenue", "buy"] },
            // a dimension no exposure carried: every unit in the null slice
            { experiment: exp, breakdown: "tier" },
          ].map((q) => ({ q, all }));
        const checks = [...queries(events)];
        for (const { q, all } of checks) {
          const summary = await store.summarize(q);
          expectSummariesClose(summary, summarizeEvents(all, q));
          expect(summary.breakdown?.slices.length).toBeGreaterThan(0);
        }
        const before = await store.summarize({ experiment: exp, breakdown: "country" });
        await store.append([late, ...events.slice(0, 5)]); // with repeats
        for (const { q, all } of queries([...events, late])) {
          expectSummariesClose(await store.summarize(q), summarizeEvents(all, q));
        }
        const after = await store.summarize({ experiment: exp, breakdown: "country" });
        expect(after.breakdown?.slices.find((s) => s.value === "JP")?.variants).toContainEqual(
          expect.objectContaining({ variantId: "c", exposedUnits: 1 }),
        );
        expect(before.breakdown?.slices.some((s) => s.value === "JP")).toBe(false);
        // every exposed unit in exactly one slice
        for (const [i, v] of after.variants.entries()) {
          const slices = after.breakdown!.slices;
          expect(slices.reduce((n, s) => n + s.variants[i]!.exposedUnits, 0)).toBe(v.exposedUnits);
          expect(slices.reduce((n, s) => n + s.variants[i]!.exposures, 0)).toBe(v.exposures);
        }
        // exports give the dimensions back as recorded (of the events a scan returns: PostgreSQL holds back
        // rows while any transaction below them is open, another test's included)
        if (store.scanEvents !== undefined) {
          const page = await store.scanEvents({ experiment: exp, limit: 10_000 });
          const sent = new Map([...events, late].map((e) => [e.eventId, e]));
          for (const e of page.events) {
            const original = sent.get(e.eventId);
            expect(e.type === "exposure" ? e.dimensions : undefined).toEqual(
              original?.type === "exposure" ? original.dimensions : undefined,
            );
          }
        }
      }
      await store.close?.();
    });

    it("keeps environments and phases apart, defaults to the highest phase, and lists the manifest versions", async () => {
      const store = await open();
      const exp = experimentId("scoped");
      const events = randomStream(exp, 11, 900, true);
      for (let i = 0; i < events.length; i += 101) await store.append(events.slice(i, i + 101));
      const queries = [
        { experiment: exp },
        { experiment: exp, phase: 1 },
        { experiment: exp, environment: "staging" },
        { experiment: exp, environment: "staging", phase: 1, unit: "session" as const },
        { experiment: exp, environment: "production" },
        { experiment: exp, phase: 3, daily: true },
        {
          experiment: exp,
          environment: "staging",
          phase: 2,
          daily: true,
          capped: [{ metric: "revenue", percentile: 0.9 }],
        },
        {
          experiment: exp,
          windowed: [{ metric: "buy", windowMs: 86_400_000 }],
          cuped: [{ metric: "revenue", preWindowMs: 2 * 86_400_000 }],
        },
      ];
      for (const query of queries)
        expectSummariesClose(await store.summarize(query), summarizeEvents(events, query));
      const latest = await store.summarize({ experiment: exp });
      expect(latest.scope).toEqual({
        environment: "default",
        phase: 2,
        phases: [1, 2],
        manifestVersions: ["sha256:aaaaaaaaaaaaaaaa", "sha256:bbbbbbbbbbbbbbbb"],
      });
      // every scope holds units, and no unit is counted in two of them
      const counts = await Promise.all(
        [
          { environment: "default", phase: 1 },
          { environment: "default", phase: 2 },
          { environment: "staging", phase: 1 },
          { environment: "staging", phase: 2 },
        ].map(async (scope) => {
          const summary = await store.summarize({ experiment: exp, ...scope });
          return summary.variants.reduce((n, v) => n + v.exposures, 0);
        }),
      );
      expect(counts.every((n) => n > 0)).toBe(true);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(events.filter((e) => e.type === "exposure").length);
      expect((await store.summarize({ experiment: exp, environment: "production" })).variants).toEqual([]);
      await store.close?.();
    });

    it("keeps ids of the longest length a record may carry, in any script, and summarizes by them", async () => {
      const store = await open();
      // Random CJK characters take 3 bytes each in UTF-8, the most one code unit can take, and random emoji are
      // surrogate pairs (4 bytes); random, so a store that compresses keys (PostgreSQL's B-tree entries hold at
      // most 2,704 bytes, after compression) cannot make them small. A store keys its tables by several at once.
      const random = mulberry32(7);
      const cjk = () => String.fromCodePoint(0x4e00 + Math.floor(random() * 0x5000));
      const emoji = () => String.fromCodePoint(0x1f300 + Math.floor(random() * 0x300));
      const longest = (prefix: string, char: () => string) => {
        let id = prefix;
        for (let c = char(); id.length + c.length <= MAX_ID_LENGTH; c = char()) id += c;
        return id;
      };
      const exp = longest(experimentId("long"), cjk);
      const [a, b] = [longest("a", cjk), longest("b", cjk)];
      const [buy, spend] = [longest("buy", cjk), longest("spend", emoji)];
      const [u1, u2, s3] = [longest("u1", cjk), longest("u2", emoji), longest("s3", cjk)];
      const ids = [exp, a, b, buy, spend, u1, u2, s3];
      for (const value of ids) {
        requireId(value, "id"); // every one is accepted at the API...
        expect(value.length).toBeGreaterThan(MAX_ID_LENGTH - 2); // ...and as long as it allows
      }
      const long = (e: StoredEvent): StoredEvent => ({ ...e, eventId: longest(e.eventId, cjk) });
      const events = [
        long(exposure(exp, a, u1, 0)),
        long(exposure(exp, b, u2, 1)),
        long({
          type: "exposure",
          eventId: id(),
          experiment: exp,
          variantId: b,
          sessionId: s3,
          timestamp: t(2),
        }),
        long(outcome(exp, buy, { kind: "bool", value: true }, { userId: u1 }, 3)),
        long(outcome(exp, spend, { kind: "numeric", value: 2.5 }, { userId: u2 }, 4)),
        long(outcome(exp, spend, { kind: "numeric", value: 1 }, { sessionId: s3 }, 5)),
      ];
      expect(await store.append(events)).toEqual({ inserted: 6, duplicates: 0 });
      expect(await store.append(events.slice(0, 2))).toEqual({ inserted: 0, duplicates: 2 });
      for (const unit of ["user", "session"] as const) {
        const query = { experiment: exp, unit, daily: true };
        const summary = await store.summarize(query);
        expectSummariesClose(summary, summarizeEvents(events, query));
        if (unit === "user") expect(summary.variants.map((v) => v.exposedUnits)).toEqual([1, 2]);
      }
      await store.close?.();
    });

    it("stores packed events like appended ones, and takes a pack again (a retry) without change", async () => {
      const store = await open();
      if (store.createPack === undefined || store.appendPack === undefined) {
        // Packing is optional; a store without it must have neither half.
        expect(store.createPack === undefined && store.appendPack === undefined).toBe(true);
        await store.close?.();
        return;
      }
      const exp = experimentId("pack");
      // with dimensions on most exposures: a pack carries them as an append does
      const events = withDimensions(randomStream(exp, 11, 300), 11);
      const pack = store.createPack(16); // fewer than it will hold
      for (const e of events) pack.add(e);
      pack.add(events[0]!); // a repeat inside the pack
      expect(pack.size).toBe(301);
      expect(await store.appendPack(pack)).toEqual({ inserted: 300, duplicates: 1 });
      expect(await store.appendPack(pack)).toEqual({ inserted: 0, duplicates: 301 });
      for (const unit of ["user", "session"] as const) {
        const query = { experiment: exp, unit, daily: true };
        expectSummariesClose(await store.summarize(query), summarizeEvents(events, query));
      }
      const cut = { experiment: exp, breakdown: "country" };
      expectSummariesClose(await store.summarize(cut), summarizeEvents(events, cut));
      await store.close?.();
    });

    it("scans an experiment's events in pages: each once, as stored, resumable after later appends", async () => {
      const store = await open();
      if (store.scanEvents === undefined) {
        await store.close?.(); // the ordered scan is optional
        return;
      }
      const exp = experimentId("scan");
      const other = experimentId("scan_other");
      const events = randomStream(exp, 5, 250);
      await store.append([...events.slice(0, 200), ...randomStream(other, 6, 50)]);
      const seen: StoredEvent[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const result = await store.scanEvents({
          experiment: exp,
          limit: 64,
          ...(cursor === undefined ? {} : { after: cursor }),
        });
        expect(result.events.length).toBeLessThanOrEqual(64);
        seen.push(...result.events);
        cursor = result.cursor;
        if (result.events.length < 64) break;
      }
      const key = (e: StoredEvent) => e.eventId;
      expect(seen.map(key).sort()).toEqual(events.slice(0, 200).map(key).sort());
      const byId = new Map(events.map((e) => [e.eventId, e]));
      for (const e of seen) expect(e).toEqual(byId.get(e.eventId));
      // caught up: the cursor of the last (short) page picks up what is appended after it, and nothing else
      await store.append(events.slice(200));
      const later = await store.scanEvents({
        experiment: exp,
        limit: 1000,
        ...(cursor === undefined ? {} : { after: cursor }),
      });
      expect(later.events.map(key).sort()).toEqual(events.slice(200).map(key).sort());
      // since: only events at or after it
      const since = events[120]!.timestamp;
      const recent = await store.scanEvents({ experiment: exp, since, limit: 1000 });
      expect(recent.events.map(key).sort()).toEqual(
        events
          .filter((e) => e.timestamp >= since)
          .map(key)
          .sort(),
      );
      await expect(store.scanEvents({ experiment: exp, after: "not a cursor", limit: 10 })).rejects.toThrow(
        /cursor/,
      );
      await store.close?.();
    });

    if (harness.reopen !== undefined) {
      const reopen = harness.reopen;
      it("keeps appended events across a reopen", async () => {
        const store = await open();
        const exp = experimentId("durable");
        const e = exposure(exp, "control", "u1", 0);
        await store.append([e, outcome(exp, "buy", { kind: "bool", value: true }, { userId: "u1" }, 1)]);
        const again = await reopen(store);
        await again.init?.();
        expect(await again.append([e])).toEqual({ inserted: 0, duplicates: 1 });
        const summary = await again.summarize({ experiment: exp });
        expect(summary.metrics[0]?.variants[0]).toMatchObject({ n: 1, sum: 1 });
        await again.close?.();
      });
    }
  });
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Events over five days for 60 units (some anonymous, some in several variants), times to the millisecond.
 * `segmented`: spread over two environments ("default" written or left out, "staging") and two phases (1
 * written or left out, 2), exposures under two manifest versions or none.
 */
function randomStream(experiment: string, seed: number, size: number, segmented = false): StoredEvent[] {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const start = Date.UTC(2026, 2, 1);
  const events: StoredEvent[] = [];
  for (let i = 0; i < size; i++) {
    const u = Math.floor(random() * 60);
    const unit = u < 40 ? { userId: `user-${u}`, sessionId: `sess-${u % 25}` } : { sessionId: `sess-${u}` };
    const timestamp = new Date(start + Math.floor(random() * 5 * 86_400_000));
    const eventId = `${experiment}-${i}`;
    const segment = segmented
      ? {
          ...pick([{}, { environment: "default" }, { environment: "staging" }, { environment: "staging" }]),
          ...pick([{}, { phase: 1 }, { phase: 2 }, { phase: 2 }]),
        }
      : {};
    if (random() < 0.35) {
      const variantId = random() < 0.05 ? "b" : pick(["a", "b", "c"]);
      const version = segmented
        ? pick([
            {},
            { manifestVersion: "sha256:aaaaaaaaaaaaaaaa" },
            { manifestVersion: "sha256:bbbbbbbbbbbbbbbb" },
          ])
        : {};
      events.push({
        type: "exposure",
        eventId,
        experiment,
        variantId,
        ...unit,
        timestamp,
        ...segment,
        ...version,
      });
    } else {
      const metric = pick(["buy", "revenue", "items"]);
      const value: OutcomeValue =
        metric === "buy"
          ? { kind: "bool", value: random() < 0.6 }
          : metric === "revenue"
            ? { kind: "numeric", value: Math.round((random() * 200 - 20) * 100) / 100 }
            : { kind: "count", value: Math.floor(random() * 5) };
      events.push({ type: "outcome", eventId, experiment, metric, value, ...unit, timestamp, ...segment });
    }
  }
  return events;
}

/**
 * The events with dimensions on most exposures: a country of four (or none, one in six), a platform of three
 * (or none, one in four), so a unit's exposures disagree and only its first one's count.
 */
function withDimensions(events: readonly StoredEvent[], seed: number): StoredEvent[] {
  const random = mulberry32(seed * 31_337);
  return events.map((e) => {
    if (e.type !== "exposure") return e;
    const country = random() < 1 / 6 ? undefined : ["DE", "FR", "US", "BR"][Math.floor(random() * 4)]!;
    const platform = random() < 1 / 4 ? undefined : ["ios", "android", "web"][Math.floor(random() * 3)]!;
    const dimensions = {
      ...(country === undefined ? {} : { country }),
      ...(platform === undefined ? {} : { platform }),
    };
    return Object.keys(dimensions).length === 0 ? e : { ...e, dimensions };
  });
}

/** Equal counts and order; sums equal up to floating-point rounding (stores add in another order). */
function expectSummariesClose(actual: ExperimentSummary, expected: ExperimentSummary): void {
  // Where both sides hold numbers within 1e-9 (relative) of each other, take the expected one; then compare
  // exactly, so a real difference shows in a readable diff.
  const snap = (a: unknown, e: unknown): unknown => {
    if (typeof a === "number" && typeof e === "number")
      return Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e)) ? e : a;
    if (Array.isArray(a) && Array.isArray(e)) return a.map((x, i) => snap(x, e[i]));
    if (typeof a === "object" && a !== null && typeof e === "object" && e !== null) {
      return Object.fromEntries(
        Object.entries(a).map(([k, v]) => [k, snap(v, (e as Record<string, unknown>)[k])]),
      );
    }
    return a;
  };
  expect(snap(actual, expected)).toEqual(expected);
}
