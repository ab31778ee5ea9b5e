import { join } from "node:path";
import { parseManifest } from "@assay/config";
import { BackendError, ExperimentContext, MemoryEventStore } from "@assay/core";
import { findPostgresBin, PostgresCluster } from "@assay/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAssay } from "../src/index.js";
import { HASH_MANIFEST } from "./helpers.js";

const MANIFEST_FILE = join(process.cwd(), "assay.toml");

/** A store that is down for its first `failures` inits. */
class LateStore extends MemoryEventStore {
  attempts = 0;
  constructor(private readonly failures: number) {
    super();
  }
  async init(): Promise<void> {
    this.attempts++;
    if (this.attempts <= this.failures) throw new BackendError("connection refused");
  }
}

describe("createAssay with the event store down at startup", () => {
  it("retries the store's init with backoff and starts once it answers", async () => {
    const store = new LateStore(3);
    const assay = await createAssay({
      manifest: parseManifest(HASH_MANIFEST, MANIFEST_FILE),
      store,
      handleSignals: false,
    });
    expect(store.attempts).toBe(4);
    expect(["control", "treatment"]).toContain(
      assay.assign("checkout_button_color", ExperimentContext.forUser("u1")).variantId,
    );
    await assay.close();
  });

  it("fails with a BackendError naming the store and the cause, at the deadline and not before", async () => {
    const store = new LateStore(Number.POSITIVE_INFINITY);
    const started = Date.now();
    const error = await createAssay({
      manifest: parseManifest(HASH_MANIFEST, MANIFEST_FILE),
      store,
      handleSignals: false,
      storeStartupTimeoutMs: 700,
    }).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(
      /^the memory event store could not start within 700 ms \(\d+ attempts\): connection refused$/,
    );
    expect(waited).toBeGreaterThanOrEqual(700);
    expect(waited).toBeLessThan(1500);
    expect(store.attempts).toBeGreaterThanOrEqual(4);
  });

  it("with 0 it tries once", async () => {
    const store = new LateStore(1);
    await expect(
      createAssay({
        manifest: parseManifest(HASH_MANIFEST, MANIFEST_FILE),
        store,
        handleSignals: false,
        storeStartupTimeoutMs: 0,
      }),
    ).rejects.toBeInstanceOf(BackendError);
    expect(store.attempts).toBe(1);
  });
});

// For real: a PostgreSQL server of the test's own, down when the app starts (skipped only outside CI when the
// server binaries are missing).
const bin = findPostgresBin();
if (bin === undefined && (process.env.CI !== undefined || process.env.ASSAY_REQUIRE_PG_BIN === "1"))
  throw new Error("CI: PostgreSQL server binaries are required");
describe.skipIf(bin === undefined)(
  "createAssay with PostgreSQL down at startup (a server of the test's own)",
  () => {
    let cluster: PostgresCluster;
    beforeAll(async () => {
      cluster = await PostgresCluster.start();
      await cluster.stop();
    });
    afterAll(async () => {
      await cluster?.destroy();
    });
    const manifest = () =>
      parseManifest(
        `${HASH_MANIFEST}
[[plugins]]
name = "events"
source = "@assay/store-postgres"
options = { url = "${cluster.url("postgres")}", schema = "startup" }
`,
        MANIFEST_FILE,
      );

    it("fails past the deadline while the server stays down", async () => {
      const started = Date.now();
      const error = await createAssay({
        manifest: manifest(),
        handleSignals: false,
        storeStartupTimeoutMs: 1000,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toMatch(
        /^the postgres event store could not start within 1000 ms .*could not connect to PostgreSQL/,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    });

    it("starts once the server is up (2 s later), and records what it is given", async () => {
      const starting = createAssay({
        manifest: manifest(),
        handleSignals: false,
        storeStartupTimeoutMs: 20_000,
      });
      setTimeout(() => void cluster.startServer(), 2000);
      const started = Date.now();
      const assay = await starting;
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      const context = ExperimentContext.forUser("late-user");
      const variant = assay.assign("checkout_button_color", context);
      await assay.expose(variant, context);
      await assay.close();
      const client = new pg.Client({ connectionString: cluster.url("postgres") });
      await client.connect();
      const { rows } = await client.query("SELECT variant_id FROM startup.events");
      await client.end();
      expect(rows).toEqual([{ variant_id: variant.variantId }]);
    });
  },
);
