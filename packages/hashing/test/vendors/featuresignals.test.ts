import { describe, expect, it } from "vitest";
import { featuresignals, murmur3LowBytes } from "../../src/index.js";
import { randomIds } from "./helpers.js";

describe("FeatureSignals", () => {
  // FeatureSignals ships no fixed vectors (its hash_test.go checks determinism and spread); these values were
  // computed with a murmur3 that passes the reference vectors (fixtures/vectors/README.md).
  it("BucketUser vectors from the research notes", () => {
    expect(featuresignals.bucketUser("flag-1", "user-42")).toBe(3755);
    expect(featuresignals.bucketUser("feature-flag-key", "user-12345")).toBe(7852);
    expect(featuresignals.bucketUser("test-flag", "u0")).toBe(1990);
    expect(featuresignals.bucketUser("checkout-v2", "alice")).toBe(2334);
  });

  it("hashes the UTF-8 bytes of flagKey.userKey (Go []byte(string)) on 10,000 ids", () => {
    for (const id of randomIds(10000, 555)) {
      const bytesAsLatin1 = Buffer.from(`flag.${id}`, "utf8").toString("latin1");
      expect(featuresignals.bucketUser("flag", id)).toBe(murmur3LowBytes(bytesAsLatin1, 0) % 10000);
    }
  });

  it("rollout: >= 10000 serves all, otherwise 0 < pct and bucket < pct (strict)", () => {
    expect(featuresignals.inRollout(9999, 10000)).toBe(true);
    expect(featuresignals.inRollout(2500, 2500)).toBe(false);
    expect(featuresignals.inRollout(2499, 2500)).toBe(true);
    expect(featuresignals.inRollout(0, 0)).toBe(false);
  });

  it("variants: bucket < cumulative, and the last variant when the weights fall short", () => {
    const variants = [
      { key: "a", weight: 3000 },
      { key: "b", weight: 5000 },
      { key: "c", weight: 1000 },
    ];
    expect(featuresignals.chooseVariant(2999, variants)).toBe("a");
    expect(featuresignals.chooseVariant(3000, variants)).toBe("b");
    expect(featuresignals.chooseVariant(8999, variants)).toBe("c");
    expect(featuresignals.chooseVariant(9500, variants)).toBe("c");
    expect(featuresignals.chooseVariant(10, [])).toBeUndefined();
  });

  it("mutual exclusion: the flag with the lowest bucket wins, ties to the smaller key", () => {
    const flags = ["exp-a", "exp-b", "exp-c"];
    for (const user of randomIds(200, 9)) {
      const buckets = flags.map((f) => featuresignals.bucketUser(f, user));
      const min = Math.min(...buckets);
      const expected = flags.filter((_, i) => buckets[i] === min).sort()[0];
      expect(featuresignals.mutualExclusionWinner(flags, user)).toBe(expected);
    }
    expect(featuresignals.mutualExclusionWinner([], "u")).toBeUndefined();
  });
});
