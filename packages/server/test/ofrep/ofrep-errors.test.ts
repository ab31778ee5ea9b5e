import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFREP_BODY_LIMIT, type RunningDashboard, serveDashboard } from "../../src/index.js";
import { API_KEYS, evaluatingOpener, KEYS, manifestFile } from "./support.js";

let server: RunningDashboard;
let opener: ReturnType<typeof evaluatingOpener>;
let single = "";
let bulk = "";

beforeAll(async () => {
  opener = evaluatingOpener(manifestFile());
  server = await serveDashboard({ open: opener.open, port: 0, keys: API_KEYS });
  single = new URL("/ofrep/v1/evaluate/flags/checkout", server.url).href;
  bulk = new URL("/ofrep/v1/evaluate/flags", server.url).href;
}, 60_000);
afterAll(async () => server?.close());

const headers = { authorization: `Bearer ${KEYS.evaluate}`, "content-type": "application/json" };

async function post(url: string, body: string, extra: Record<string, string> = {}) {
  const response = await fetch(url, { method: "POST", headers: { ...headers, ...extra }, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

describe("OFREP error bodies and statuses, as the spec gives them", () => {
  it("FLAG_NOT_FOUND is a 404 with the key", async () => {
    const res = await post(new URL("/ofrep/v1/evaluate/flags/nope", server.url).href, '{"context":{}}');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({
      key: "nope",
      errorCode: "FLAG_NOT_FOUND",
      errorDetails: 'no flag or experiment "nope" in the manifest',
    });
  });

  it("TARGETING_KEY_MISSING (400) for an experiment whose unit the context lacks; per flag in bulk", async () => {
    const res = await post(single, '{"context":{"plan":"pro"}}');
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ key: "checkout", errorCode: "TARGETING_KEY_MISSING" });
    expect(res.json().errorDetails).toContain("context.targetingKey");
    // a session-unit experiment needs sessionId; the bulk answer is 200 with that flag failed
    const all = await post(bulk, '{"context":{"targetingKey":"alice"}}');
    expect(all.status).toBe(200);
    const bySession = all.json().flags.find((f: { key: string }) => f.key === "by_session");
    expect(bySession).toMatchObject({ errorCode: "TARGETING_KEY_MISSING" });
    expect(bySession.errorDetails).toContain("context.sessionId");
    const withSession = await post(bulk, '{"context":{"targetingKey":"alice","sessionId":"s-1"}}');
    expect(withSession.json().flags.find((f: { key: string }) => f.key === "by_session")).toHaveProperty(
      "value",
    );
  });

  it.each([
    ["malformed JSON", '{"context":', "PARSE_ERROR", /not valid JSON/],
    ["an empty body", "", "PARSE_ERROR", /not valid JSON|body/],
    ["an array", "[]", "PARSE_ERROR", /body: must be object/],
    ["no context", "{}", "INVALID_CONTEXT", /body: missing "context"/],
    ["an unknown field", '{"context":{},"extra":1}', "PARSE_ERROR", /body: unknown field "extra"/],
    [
      "a number as targetingKey",
      '{"context":{"targetingKey":42}}',
      "INVALID_CONTEXT",
      /context\.targetingKey: must be string/,
    ],
    ["context as a string", '{"context":"alice"}', "INVALID_CONTEXT", /context: must be object/],
    [
      "a nested attribute",
      '{"context":{"targetingKey":"a","plan":{"x":1}}}',
      "INVALID_CONTEXT",
      /context\.plan: must be a string, number or boolean/,
    ],
    [
      "null attribute",
      '{"context":{"targetingKey":"a","plan":null}}',
      "INVALID_CONTEXT",
      /context\.plan: must be a string, number or boolean/,
    ],
    [
      "NUL in the targeting key",
      '{"context":{"targetingKey":"al\\u0000ice"}}',
      "INVALID_CONTEXT",
      /context\.targetingKey: must not contain the NUL character/,
    ],
    [
      "an unpaired surrogate",
      '{"context":{"targetingKey":"\\ud800"}}',
      "INVALID_CONTEXT",
      /context\.targetingKey: .*surrogate/,
    ],
    [
      "a targeting key over 256 characters",
      JSON.stringify({ context: { targetingKey: "x".repeat(300) } }),
      "INVALID_CONTEXT",
      /at most 256 characters/,
    ],
    [
      "NUL in an attribute",
      '{"context":{"targetingKey":"a","plan":"p\\u0000"}}',
      "INVALID_CONTEXT",
      /context\.plan: holds a NUL/,
    ],
    [
      "a __proto__ key",
      '{"context":{"targetingKey":"a"},"__proto__":{"x":1}}',
      "PARSE_ERROR",
      /not valid JSON|unknown field/,
    ],
    [
      "too many attributes",
      JSON.stringify({ context: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`a${i}`, "v"])) }),
      "INVALID_CONTEXT",
      /context: must NOT have more than 66 properties/,
    ],
    [
      "deep nesting",
      `{"context":{"targetingKey":"a","deep":${"[".repeat(5000)}${"]".repeat(5000)}}}`,
      "INVALID_CONTEXT",
      /context\.deep: must be a string/,
    ],
  ])("%s: 400 %s naming the problem, on single and bulk", async (_what, body, code, details) => {
    for (const url of [single, bulk]) {
      const res = await post(url, body);
      expect(res.status, `${url} ${res.text}`).toBe(400);
      const json = res.json();
      expect(json.errorCode).toBe(code);
      expect(json.errorDetails).toMatch(details);
      if (url === single) expect(json.key).toBe("checkout");
      else expect(json).not.toHaveProperty("key");
      expect(res.headers.get("content-type")).toContain("application/json");
    }
  });

  it("a 10 MB body is refused with 413 before it is parsed, and the server keeps answering", async () => {
    // Declared 10 MB, and the first 64 KiB of it sent: the answer comes from the declared length alone.
    const url = new URL(single);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: { ...headers, "content-length": String(10 * 1024 * 1024) },
        },
        (res) => {
          let body = "";
          res.on("data", (chunk) => {
            body += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.write(`{"context":{"targetingKey":"a","blob":"${"x".repeat(64 * 1024)}`);
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ key: "checkout", errorCode: "PARSE_ERROR" });
    expect(JSON.parse(answer.body).errorDetails).toContain(String(OFREP_BODY_LIMIT));
    // and a whole 10 MB body sent by fetch does not hurt the server either
    await post(single, JSON.stringify({ context: { blob: "x".repeat(10 * 1024 * 1024) } })).catch(
      () => undefined,
    );
    const after = await post(single, '{"context":{"targetingKey":"a"}}');
    expect(after.status).toBe(200);
  });

  it("a wrong content type is a 415 PARSE_ERROR", async () => {
    const res = await post(single, "context=x", { "content-type": "application/x-www-form-urlencoded" });
    expect(res.status).toBe(415);
    expect(res.json().errorCode).toBe("PARSE_ERROR");
  });

  it("GET on an OFREP route is a JSON 404, not a page", async () => {
    const res = await fetch(single, { headers });
    expect(res.status).toBe(404);
    expect(await res.json()).toHaveProperty("errorDetails");
  });

  it("a variant whose value is an array (OFREP carries none) is a GENERAL failure naming the fix", async () => {
    const res = await post(
      new URL("/ofrep/v1/evaluate/flags/listy", server.url).href,
      '{"context":{"targetingKey":"a"}}',
    );
    expect(res.status).toBe(500);
    expect(res.json()).toMatchObject({ key: "listy", errorCode: "GENERAL" });
    expect(res.json().errorDetails).toContain("put the array in a table");
  });

  it("a key over the router's parameter limit (300 characters) is a 414, one over 256 a 404", async () => {
    const res = await post(
      new URL(`/ofrep/v1/evaluate/flags/${"k".repeat(400)}`, server.url).href,
      '{"context":{}}',
    );
    expect(res.status).toBe(414);
    const long = await post(
      new URL(`/ofrep/v1/evaluate/flags/${"k".repeat(280)}`, server.url).href,
      '{"context":{}}',
    );
    expect(long.status).toBe(404);
    expect(long.json().errorCode).toBe("FLAG_NOT_FOUND");
  });

  it("a client that stops mid-body does not hurt the server", async () => {
    const url = new URL(single);
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: { ...headers, "content-length": "1000" },
      });
      req.on("error", () => resolve());
      req.write('{"context":{"targ');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    expect((await post(single, '{"context":{"targetingKey":"a"}}')).status).toBe(200);
  });
});

describe("successful evaluations", () => {
  it("an experiment: value (the variant's, else its id), variant, reason, metadata with the config version", async () => {
    const res = await post(single, '{"context":{"targetingKey":"alice"}}');
    expect(res.status).toBe(200);
    const json = res.json();
    expect(Object.keys(json)).toEqual(["key", "value", "reason", "variant", "metadata"]);
    expect(json.reason).toBe("SPLIT");
    expect(json.metadata).toEqual({
      experiment: "checkout",
      inExperiment: true,
      assayReason: "hash",
      configVersion: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    const control = await post(
      new URL("/ofrep/v1/evaluate/flags/switched_off", server.url).href,
      '{"context":{"targetingKey":"alice"}}',
    );
    expect(control.json()).toMatchObject({
      value: "old",
      variant: "control",
      reason: "DISABLED",
      metadata: { inExperiment: false },
    });
    const targeted = await post(
      new URL("/ofrep/v1/evaluate/flags/targeted", server.url).href,
      '{"context":{"targetingKey":"alice","plan":"free"}}',
    );
    expect(targeted.json()).toMatchObject({
      value: "control",
      reason: "TARGETING_MATCH",
      metadata: { assayReason: "targeting" },
    });
  });

  it("flags: boolean ones on/off, string ones their value, off without an `off` value is a code default", async () => {
    const everyone = await post(
      new URL("/ofrep/v1/evaluate/flags/everyone", server.url).href,
      '{"context":{}}',
    );
    expect(everyone.json()).toMatchObject({ key: "everyone", value: true, variant: "on", reason: "STATIC" });
    const killed = await post(new URL("/ofrep/v1/evaluate/flags/killed", server.url).href, '{"context":{}}');
    expect(killed.json()).toMatchObject({ value: false, variant: "off", reason: "DISABLED" });
    const values = new Set<string>();
    let codeDefaults = 0;
    for (let i = 0; i < 60; i++) {
      const copy = await post(
        new URL("/ofrep/v1/evaluate/flags/copy", server.url).href,
        JSON.stringify({ context: { targetingKey: `u${i}` } }),
      );
      values.add(copy.json().value);
      const bare = await post(
        new URL("/ofrep/v1/evaluate/flags/copy_no_off", server.url).href,
        JSON.stringify({ context: { targetingKey: `u${i}` } }),
      );
      if (!("value" in bare.json())) {
        codeDefaults++;
        expect(bare.json()).toMatchObject({ variant: "off", reason: "SPLIT" });
      }
    }
    expect(values).toEqual(new Set(["classic", "short", "long"]));
    expect(codeDefaults).toBeGreaterThan(10);
  });

  it("bulk: every experiment then every flag, an ETag, and 304 for If-None-Match with the same answers", async () => {
    const body = '{"context":{"targetingKey":"alice","sessionId":"s-1"}}';
    const first = await post(bulk, body);
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const keys = first.json().flags.map((f: { key: string }) => f.key);
    expect(keys).toEqual([
      "checkout",
      "layout",
      "price",
      "banner",
      "by_session",
      "targeted",
      "switched_off",
      "listy",
      "new_checkout",
      "everyone",
      "copy",
      "copy_no_off",
      "killed",
    ]);
    expect(first.json().metadata).toEqual({ configVersion: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const again = await post(bulk, body, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
    expect(again.headers.get("etag")).toBe(etag);
    expect((await post(bulk, body, { "if-none-match": `"other", W/${etag}` })).status).toBe(304);
    expect((await post(bulk, body, { "if-none-match": "*" })).status).toBe(304);
    // another unit gets other answers, so the old tag does not match
    const other = await post(bulk, '{"context":{"targetingKey":"bob","sessionId":"s-2"}}', {
      "if-none-match": etag,
    });
    expect(other.status).toBe(200);
    expect(other.headers.get("etag")).not.toBe(etag);
  });

  it("evaluating records nothing", async () => {
    for (let i = 0; i < 20; i++) {
      expect((await post(bulk, JSON.stringify({ context: { targetingKey: `u${i}` } }))).status).toBe(200);
      expect((await post(single, JSON.stringify({ context: { targetingKey: `u${i}` } }))).status).toBe(200);
    }
    const assay = await opener.assay();
    await assay.flush();
    for (const experiment of ["checkout", "layout", "banner"]) {
      const summary = await assay.summarize(experiment);
      expect(summary.variants.reduce((sum, v) => sum + v.exposures, 0)).toBe(0);
    }
  });
});
