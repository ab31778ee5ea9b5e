import type { ExperimentContext, Variant } from "@assay/core";
import type { Assay } from "@assay/runtime";
import { type Client, ErrorCode, OpenFeature } from "@openfeature/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssayProvider, type AssaySource } from "../src/index.js";
import { manifestClient } from "./support.js";

let assay: Assay;
let client: Client;

beforeAll(async () => {
  ({ assay } = await manifestClient());
  await OpenFeature.setProviderAndWait("errors", new AssayProvider(assay));
  client = OpenFeature.getClient("errors");
});
afterAll(async () => {
  await OpenFeature.close();
  await assay.close();
});

describe("errors come back as the SDK's error codes with the caller's default", () => {
  it("FLAG_NOT_FOUND for a key that is neither an experiment nor a flag", async () => {
    const details = await client.getBooleanDetails("nope", true, { targetingKey: "a" });
    expect(details).toMatchObject({ value: true, errorCode: ErrorCode.FLAG_NOT_FOUND, reason: "ERROR" });
    expect(details.errorMessage).toContain('"nope"');
  });

  it("TYPE_MISMATCH: a string variant asked as boolean, a boolean flag as string, a string flag as number", async () => {
    const variant = await client.getBooleanDetails("checkout", false, { targetingKey: "a" });
    expect(variant).toMatchObject({ value: false, errorCode: ErrorCode.TYPE_MISMATCH });
    expect(variant.errorMessage).toMatch(
      /experiment checkout: variant .* has a string value .* asked as boolean/,
    );
    const flag = await client.getStringDetails("everyone", "x", { targetingKey: "a" });
    expect(flag).toMatchObject({ value: "x", errorCode: ErrorCode.TYPE_MISMATCH });
    expect(flag.errorMessage).toContain("flag everyone is a boolean flag, asked as string");
    const copy = await client.getNumberDetails("copy", 7, { targetingKey: "a" });
    expect(copy).toMatchObject({ value: 7, errorCode: ErrorCode.TYPE_MISMATCH });
    expect(copy.errorMessage).toContain("values short, long");
    const object = await client.getObjectDetails("price", { fallback: true }, { targetingKey: "a" });
    expect(object).toMatchObject({ value: { fallback: true }, errorCode: ErrorCode.TYPE_MISMATCH });
  });

  it("TARGETING_KEY_MISSING: an experiment without its unit, a partial rollout without its unit", async () => {
    const user = await client.getStringDetails("checkout", "d", {});
    expect(user).toMatchObject({ value: "d", errorCode: ErrorCode.TARGETING_KEY_MISSING });
    expect(user.errorMessage).toContain("targetingKey");
    const session = await client.getStringDetails("by_session", "d", { targetingKey: "a" });
    expect(session).toMatchObject({ value: "d", errorCode: ErrorCode.TARGETING_KEY_MISSING });
    expect(session.errorMessage).toContain("sessionId");
    const flag = await client.getBooleanDetails("new_checkout", true, {});
    expect(flag).toMatchObject({ value: true, errorCode: ErrorCode.TARGETING_KEY_MISSING });
    expect(flag.errorMessage).toBe(
      'flag new_checkout rolls out to 25% by unit "user": the context needs targetingKey (the user id)',
    );
    // A rollout of 1 needs no unit: not an error.
    expect((await client.getBooleanDetails("everyone", false, {})).errorCode).toBeUndefined();
  });

  it("INVALID_CONTEXT: an id with a NUL, a sessionId that is not a string, an attribute with a NUL", async () => {
    const nul = await client.getStringDetails("checkout", "d", { targetingKey: "a\u0000b" });
    expect(nul).toMatchObject({ value: "d", errorCode: ErrorCode.INVALID_CONTEXT });
    expect(nul.errorMessage).toContain("context.targetingKey");
    const session = await client.getStringDetails("by_session", "d", { sessionId: 42 });
    expect(session).toMatchObject({ errorCode: ErrorCode.INVALID_CONTEXT });
    expect(session.errorMessage).toContain("context.sessionId must be a string, got a number");
    const attribute = await client.getStringDetails("targeted", "d", { targetingKey: "a", plan: "p\u0000" });
    expect(attribute.errorMessage).toContain("context.plan holds a NUL character");
    const long = await client.getStringDetails("checkout", "d", { targetingKey: "x".repeat(300) });
    expect(long).toMatchObject({ errorCode: ErrorCode.INVALID_CONTEXT });
  });

  it("GENERAL for a backend that fails, with its message", async () => {
    const failing: AssaySource = {
      experiments: () => assay.experiments(),
      assign(_experiment: string, _ctx: ExperimentContext): Variant {
        throw new Error("backend exploded");
      },
      expose: () => Promise.resolve(),
      track: () => Promise.resolve(),
      flags: assay.flags,
      close: () => Promise.resolve(),
    };
    await OpenFeature.setProviderAndWait("failing", new AssayProvider(failing));
    const details = await OpenFeature.getClient("failing").getStringDetails("checkout", "d", {
      targetingKey: "a",
    });
    expect(details).toMatchObject({ value: "d", errorCode: ErrorCode.GENERAL });
    expect(details.errorMessage).toContain("backend exploded");
  });
});
