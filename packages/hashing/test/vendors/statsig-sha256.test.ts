import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { statsig } from "../../src/index.js";
import { staleWord, statsigSha256 } from "../../src/vendors/statsig/padding-quirk.js";
import { randomIds } from "./helpers.js";

// statsig-node's own SHA-256 (a js-sha256 copy), the oracle for the padding quirk
const require = createRequire(import.meta.url);
const { SHA256 } = require("statsig-node/dist/utils/Sha256.js") as {
  SHA256(text: string): { dataView(): DataView; arrayBuffer(): ArrayBuffer };
};
const theirs = (text: string) => SHA256(text).dataView().getBigUint64(0, false);
// plain SHA-256 of the UTF-8 bytes: what Statsig's current server core computes (sdk = "node-core")
const ours = (text: string) => createHash("sha256").update(text, "utf8").digest().readBigUInt64BE(0);

describe("statsig-node's SHA-256 padding quirk (sdk = node-legacy; node-core hashes plainly)", () => {
  it("plain SHA-256 block by block when nothing is stale", () => {
    for (let n = 0; n < 200; n++) {
      const bytes = Buffer.from("x".repeat(n) + "é€😀".repeat(n % 7));
      expect(statsigSha256(bytes, 0).toString("hex")).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
  });

  it("every prefix length around the block boundaries, with 2-, 3- and 4-byte characters", () => {
    let quirky = 0;
    for (const wide of ["é", "€", "😀", "👩‍💻"]) {
      for (let n = 0; n < 200; n++) {
        const text = `${"a".repeat(n)}${wide.repeat(40)}`;
        expect(statsig.computeUserHash(text, "node-legacy"), `${n} ${wide}`).toBe(theirs(text));
        expect(statsig.computeUserHash(text), `${n} ${wide}`).toBe(ours(text));
        if (staleWord(Buffer.from(text)) !== 0) quirky++;
      }
    }
    // the quirk was exercised, and those digests differ from SHA-256
    expect(quirky).toBeGreaterThan(50);
    const sample = `${"a".repeat(61)}${"é".repeat(30)}`;
    expect(staleWord(Buffer.from(sample))).not.toBe(0);
    expect(theirs(sample)).not.toBe(createHash("sha256").update(sample).digest().readBigUInt64BE(0));
  });

  it("100,000 salted random ids, long and non-ASCII included", () => {
    const salt = "4f0c0147-a2a9-4f21-b618-ec9d8787973c.";
    for (const id of randomIds(100_000, 77)) {
      const text = salt + id + id;
      const got = statsig.computeUserHash(text, "node-legacy");
      if (got !== theirs(text)) expect({ id, got }).toEqual({ id, got: theirs(text) });
    }
  });
});
