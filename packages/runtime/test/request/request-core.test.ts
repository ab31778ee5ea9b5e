import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ExperimentDefinition, MemoryEventStore, makeVariant } from "@assay/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  type Assay,
  createAssay,
  createRequestCore,
  type FrameworkBinding,
  formatExperimentsHeader,
  PropagatedAssignments,
  type RequestAssayOptions,
  RequestOptionsError,
} from "../../src/index.js";
import { appDir, HASH_MANIFEST } from "../helpers.js";

/** A request as the fake framework sees it: lower-case headers; the response collects Set-Cookie values. */
interface FakeRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly user?: string;
}
interface FakeResponse {
  readonly cookies: string[];
}
const binding: FrameworkBinding<FakeRequest, FakeResponse> = {
  header: (request, name) => request.headers[name],
  appendSetCookie: (response, cookie) => response.cookies.push(cookie),
};

const SECRET = "a-secret-of-at-least-thirty-two-characters";
const EXPERIMENT = "checkout_button_color";
const opened: Assay[] = [];
afterEach(async () => {
  for (const assay of opened.splice(0)) await assay.close();
});

async function assayClient(): Promise<Assay> {
  const dir = await appDir({ "assay.toml": HASH_MANIFEST });
  // In memory: these tests are about the middleware, not a store.
  const assay = await createAssay({
    manifest: join(dir, "assay.toml"),
    store: new MemoryEventStore(),
    handleSignals: false,
  });
  opened.push(assay);
  return assay;
}

function core(assay: Assay, options: Partial<RequestAssayOptions<FakeRequest>> = {}) {
  return createRequestCore<FakeRequest, FakeResponse>(
    { assay, unit: [{ from: "cookie", secret: SECRET }], ...options },
    binding,
  );
}

async function exposedUnits(assay: Assay): Promise<number> {
  await assay.flush();
  const summary = await assay.summarize(EXPERIMENT);
  return summary.variants.reduce((n, v) => n + v.exposedUnits, 0);
}

describe("unit from a signed cookie", () => {
  it("sets one signed, HttpOnly, SameSite=Lax, Secure cookie for a new visitor and reads it back", async () => {
    const middleware = core(await assayClient());
    const response: FakeResponse = { cookies: [] };
    const first = middleware.begin({ headers: {} }, response);
    const unit = first.unitId!;
    expect(unit).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.unitId).toBe(unit); // resolved once: no second cookie
    expect(first.context.sessionId).toBeUndefined(); // no session-unit experiment in this manifest
    expect(response.cookies).toHaveLength(1);
    const cookie = response.cookies[0]!;
    expect(cookie).toMatch(
      new RegExp(
        `^assay_visitor=${unit}\\.[A-Za-z0-9_-]{43}; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax; Secure$`,
      ),
    );
    const back: FakeResponse = { cookies: [] };
    const again = middleware.begin({ headers: { cookie: `theme=dark; ${cookie.split(";")[0]}` } }, back);
    expect(again.unitId).toBe(unit);
    expect(back.cookies).toEqual([]);
  });

  it("ignores an unsigned, forged or otherwise-named cookie and gives a new id", async () => {
    const middleware = core(await assayClient());
    const response: FakeResponse = { cookies: [] };
    const real = middleware.begin({ headers: {} }, response).unitId!;
    const signed = response.cookies[0]!.split(";")[0]!.slice("assay_visitor=".length);
    const signature = signed.slice(signed.lastIndexOf(".") + 1);
    const forgeries = [
      real, // unsigned
      `${real}.${"A".repeat(43)}`, // a made-up signature
      `alice.${signature}`, // someone else's id under this visitor's signature
      `${real}.${signature.slice(0, -1)}`, // truncated
    ];
    for (const value of forgeries) {
      const out: FakeResponse = { cookies: [] };
      const handle = middleware.begin({ headers: { cookie: `assay_visitor=${value}` } }, out);
      expect(handle.unitId).not.toBe(real);
      expect(handle.unitId).not.toBe("alice");
      expect(out.cookies).toHaveLength(1);
    }
    // The same signature under another cookie name does not verify either (the name is signed too).
    const renamed = createRequestCore<FakeRequest, FakeResponse>(
      { assay: opened[0]!, unit: [{ from: "cookie", secret: SECRET, name: "other" }] },
      binding,
    );
    expect(renamed.begin({ headers: { cookie: `other=${signed}` } }, { cookies: [] }).unitId).not.toBe(real);
  });

  it("verifies cookies signed with a secret being rotated out, and signs new ones with the first", async () => {
    const assay = await assayClient();
    const OLD = `old-${SECRET}`;
    const before: FakeResponse = { cookies: [] };
    const unit = core(assay, { unit: [{ from: "cookie", secret: OLD }] }).begin(
      { headers: {} },
      before,
    ).unitId;
    const rotated = core(assay, { unit: [{ from: "cookie", secret: [SECRET, OLD] }] });
    const cookie = before.cookies[0]!.split(";")[0]!;
    expect(rotated.begin({ headers: { cookie } }, { cookies: [] }).unitId).toBe(unit);
    const onlyNew = core(assay, { unit: [{ from: "cookie", secret: SECRET }] });
    expect(onlyNew.begin({ headers: { cookie } }, { cookies: [] }).unitId).not.toBe(unit);
  });

  it("leaves Secure off when configured for plain-http development", async () => {
    const middleware = core(await assayClient(), {
      unit: [{ from: "cookie", secret: SECRET, secure: false, maxAgeSeconds: 60 }],
    });
    const response: FakeResponse = { cookies: [] };
    void middleware.begin({ headers: {} }, response).unitId;
    expect(response.cookies[0]).toMatch(/; Max-Age=60; Path=\/; HttpOnly; SameSite=Lax$/);
    const host = core(opened[0]!, { unit: [{ from: "cookie", secret: SECRET, name: "__Host-visitor" }] });
    const hosted: FakeResponse = { cookies: [] };
    void host.begin({ headers: {} }, hosted).unitId;
    expect(hosted.cookies[0]).toMatch(/^__Host-visitor=.*; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
  });
});

describe("session-unit experiments", () => {
  it("enrol a cookie visitor (its id is the session too), not a header's or the app's user", async () => {
    const dir = await appDir({
      "assay.toml": `${HASH_MANIFEST}
[[plugins.experiments]]
id = "per_session"
unit = "session"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
`,
    });
    const assay = await createAssay({
      manifest: join(dir, "assay.toml"),
      store: new MemoryEventStore(),
      handleSignals: false,
    });
    opened.push(assay);
    const middleware = core(assay, {
      unit: [
        { from: "header", name: "x-user-id" },
        { from: "cookie", secret: SECRET },
      ],
    });
    const visitor = middleware.begin({ headers: {} }, { cookies: [] });
    expect(visitor.context.sessionId).toBe(visitor.unitId);
    expect(visitor.assign("per_session").reason).toBe("hash");
    const service = middleware.begin({ headers: { "x-user-id": "svc" } }, { cookies: [] });
    expect(service.context.sessionId).toBeUndefined();
    expect(service.assign("per_session").reason).toBe("anonymous");
  });
});

describe("unit sources in order", () => {
  it("takes the app's user first, then a trusted header, then the cookie", async () => {
    const middleware = core(await assayClient(), {
      unit: [
        { from: "user", resolve: (request) => request.user },
        { from: "header", name: "X-User-Id" },
        { from: "cookie", secret: SECRET },
      ],
    });
    const both = middleware.begin({ headers: { "x-user-id": "svc-7" }, user: "alice" }, { cookies: [] });
    expect(both.unitId).toBe("alice");
    const response: FakeResponse = { cookies: [] };
    expect(middleware.begin({ headers: { "x-user-id": "svc-7" } }, response).unitId).toBe("svc-7");
    expect(response.cookies).toEqual([]);
    expect(middleware.begin({ headers: { "x-user-id": "" } }, response).unitId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("never reads a unit header that is not configured", async () => {
    const middleware = core(await assayClient());
    expect(middleware.begin({ headers: { "x-user-id": "mallory" } }, { cookies: [] }).unitId).not.toBe(
      "mallory",
    );
  });

  it("is anonymous when no source yields a unit, and assigns control, not enrolled", async () => {
    const middleware = core(await assayClient(), { unit: [{ from: "header", name: "x-user-id" }] });
    const handle = middleware.begin({ headers: {} }, { cookies: [] });
    expect(handle.unitId).toBeUndefined();
    expect(handle.assign(EXPERIMENT)).toMatchObject({ variantId: "control", inExperiment: false });
  });
});

describe("context attributes", () => {
  it("carries only the declared attributes, leaving missing ones out", async () => {
    const middleware = core(await assayClient(), {
      attributes: {
        country: { header: "CF-IPCountry" },
        plan: (request) => request.user,
        app_version: { header: "x-v" },
      },
    });
    const handle = middleware.begin(
      { headers: { "cf-ipcountry": "FR", authorization: "Bearer secret", "x-other": "1" }, user: "pro" },
      { cookies: [] },
    );
    expect(handle.context.attributes).toEqual({ country: "FR", plan: "pro" });
  });
});

describe("targeting on declared attributes", () => {
  it("lets the manifest's targeting see a declared header, and no other", async () => {
    const dir = await appDir({
      "assay.toml": `${HASH_MANIFEST}
[[plugins.experiments]]
id = "fr_only"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
targeting = { include = ["country in [FR]"] }
`,
    });
    const assay = await createAssay({
      manifest: join(dir, "assay.toml"),
      store: new MemoryEventStore(),
      handleSignals: false,
    });
    opened.push(assay);
    const middleware = createRequestCore<FakeRequest, FakeResponse>(
      {
        assay,
        unit: [{ from: "header", name: "x-user-id" }],
        attributes: { country: { header: "cf-ipcountry" } },
      },
      binding,
    );
    const reason = (headers: Record<string, string>) =>
      middleware.begin({ headers: { "x-user-id": "u-9", ...headers } }, { cookies: [] }).assign("fr_only")
        .reason;
    expect(reason({ "cf-ipcountry": "FR" })).toBe("hash");
    expect(reason({ "cf-ipcountry": "DE" })).toBe("targeting");
    expect(reason({ country: "FR" })).toBe("targeting"); // an undeclared header named like the attribute
  });
});

describe("exposures", () => {
  it("records a held exposure only once the response succeeded", async () => {
    const assay = await assayClient();
    const middleware = core(assay);
    const failed = middleware.begin({ headers: {} }, { cookies: [] });
    failed.expose(failed.assign(EXPERIMENT));
    failed.settle(500);
    const pending = middleware.begin({ headers: {} }, { cookies: [] });
    pending.expose(pending.assign(EXPERIMENT));
    expect(await exposedUnits(assay)).toBe(0);
    pending.settle(200);
    pending.settle(200); // settling twice records nothing more
    expect(await exposedUnits(assay)).toBe(1);
  });

  it("asks the framework for the end of the response only when an exposure is held, once", async () => {
    const assay = await assayClient();
    const settles: Array<(status: number) => void> = [];
    const core = createRequestCore<FakeRequest, FakeResponse>(
      { assay, unit: [{ from: "cookie", secret: SECRET }] },
      { ...binding, whenSent: (_response, settle) => settles.push(settle) },
    );
    const quiet = core.begin({ headers: {} }, { cookies: [] });
    quiet.assign(EXPERIMENT);
    expect(settles).toHaveLength(0);
    const page = core.begin({ headers: {} }, { cookies: [] });
    page.expose(page.assign(EXPERIMENT));
    page.expose(page.assign(EXPERIMENT));
    expect(settles).toHaveLength(1);
    expect(await exposedUnits(assay)).toBe(0);
    settles[0]!(200);
    expect(await exposedUnits(assay)).toBe(1);
  });

  it("records at once in immediate mode, and never for a bot", async () => {
    const assay = await assayClient();
    const middleware = core(assay, { exposure: "immediate" });
    const person = middleware.begin(
      { headers: { "user-agent": "Mozilla/5.0 (X11; Linux)" } },
      { cookies: [] },
    );
    person.expose(person.assign(EXPERIMENT));
    expect(await exposedUnits(assay)).toBe(1);
    for (const agent of ["Googlebot/2.1 (+http://www.google.com/bot.html)", "facebookexternalhit/1.1"]) {
      const bot = middleware.begin({ headers: { "user-agent": agent } }, { cookies: [] });
      expect(bot.isBot).toBe(true);
      bot.expose(bot.assign(EXPERIMENT));
      bot.settle(200);
    }
    expect(await exposedUnits(assay)).toBe(1);
    // A pattern with the g flag still matches agent after agent (no lastIndex carried from one to the next).
    const global = core(assay, { exposure: "immediate", bots: /googlebot/gi });
    for (let i = 0; i < 3; i++) {
      const bot = global.begin({ headers: { "user-agent": `Googlebot/2.1 (crawl ${i})` } }, { cookies: [] });
      expect(bot.isBot).toBe(true);
    }
    const everyone = core(assay, { exposure: "immediate", bots: false });
    const counted = everyone.begin({ headers: { "user-agent": "Googlebot/2.1" } }, { cookies: [] });
    counted.expose(counted.assign(EXPERIMENT));
    expect(await exposedUnits(assay)).toBe(2);
  });
});

describe("propagation to downstream services", () => {
  it("sends the unit and the enrolled assignments, and the callee serves them without assigning", async () => {
    const assay = await assayClient();
    const front = core(assay, { unit: [{ from: "header", name: "x-user-id" }] });
    const handle = front.begin({ headers: { "x-user-id": "u-1" } }, { cookies: [] });
    const variant = handle.assign(EXPERIMENT);
    expect(handle.outgoingHeaders()).toEqual({
      "x-user-id": "u-1",
      "x-assay-experiments": `${EXPERIMENT}=${variant.variantId}`,
    });
    const back = core(assay, { unit: [{ from: "header", name: "x-user-id" }], acceptPropagated: true });
    // The header names the other variant than the hash gives: the callee follows the header.
    const other = variant.variantId === "control" ? "treatment" : "control";
    const callee = back.begin(
      { headers: { "x-user-id": "u-1", "x-assay-experiments": `${EXPERIMENT}=${other}` } },
      { cookies: [] },
    );
    expect(callee.assign(EXPERIMENT)).toMatchObject({
      variantId: other,
      inExperiment: true,
      reason: "sticky",
    });
  });

  it("ignores bad entries, unknown experiments and variants, and the header unless accepted", async () => {
    const assay = await assayClient();
    const back = core(assay, { unit: [{ from: "header", name: "x-user-id" }], acceptPropagated: true });
    const header = `garbage,=x,nope=control,${EXPERIMENT}=purple,${EXPERIMENT}`;
    const callee = back.begin(
      { headers: { "x-user-id": "u-2", "x-assay-experiments": header } },
      { cookies: [] },
    );
    expect(callee.assign(EXPERIMENT).reason).toBe("hash");
    await expect(callee.track("checkout", true)).resolves.toBeUndefined(); // the assigned experiment
    const closed = core(assay, { unit: [{ from: "header", name: "x-user-id" }] });
    const ignored = closed.begin(
      { headers: { "x-user-id": "u-2", "x-assay-experiments": `${EXPERIMENT}=treatment` } },
      { cookies: [] },
    );
    expect(() => ignored.track("checkout", true)).toThrow(/assigned no experiment/);
    expect(ignored.assign(EXPERIMENT).reason).toBe("hash");
  });

  it("tracks a callee's outcome in the experiments it received", async () => {
    const assay = await assayClient();
    const front = core(assay, { unit: [{ from: "header", name: "x-user-id" }], exposure: "immediate" });
    const page = front.begin({ headers: { "x-user-id": "u-3" } }, { cookies: [] });
    const variant = page.assign(EXPERIMENT);
    page.expose(variant);
    const back = core(assay, { unit: [{ from: "header", name: "x-user-id" }], acceptPropagated: true });
    await back.begin({ headers: page.outgoingHeaders() }, { cookies: [] }).track("revenue", 12);
    await assay.flush();
    const revenue = (await assay.summarize(EXPERIMENT)).metrics.find((m) => m.metric === "revenue")!;
    expect(revenue.variants).toEqual([
      expect.objectContaining({ variantId: variant.variantId, n: 1, sum: 12 }),
    ]);
  });
});

describe("the experiments header", () => {
  it("percent-encodes ids a header cannot carry, and reads them back", () => {
    const definition = {
      id: "checkout, v2",
      unit: "user",
      traffic: 1,
      enabled: true,
      variants: [
        { id: "contrôle", weight: 1, isControl: true },
        { id: "b=2", weight: 1, isControl: false, value: { color: "green" } },
      ],
    } as unknown as ExperimentDefinition;
    const header = formatExperimentsHeader([makeVariant(definition.id, "b=2", false, true, "hash")]);
    expect(header).toBe("checkout%2C%20v2=b%3D2");
    const read = new PropagatedAssignments([definition]).parse(`${header},checkout%2C%20v2=%E9,bad%ZZ=b`);
    // Served with the variant's declared value, as assign serves it.
    expect([...(read?.values() ?? [])]).toEqual([
      makeVariant(definition.id, "b=2", false, true, "sticky", { color: "green" }),
    ]);
  });

  it("refuses to send a unit id a header cannot carry", async () => {
    const middleware = core(await assayClient(), {
      unit: [{ from: "user", resolve: (request) => request.user }],
    });
    const handle = middleware.begin({ headers: {}, user: "zoë" }, { cookies: [] });
    expect(() => handle.outgoingHeaders()).toThrow(/cannot be sent in the x-user-id header/);
  });
});

describe("a manifest reloaded while requests run", () => {
  it("answers a request from the version it started on, and the next from the new one", async () => {
    const dir = await appDir({ "assay.toml": HASH_MANIFEST });
    const assay = await createAssay({
      manifest: join(dir, "assay.toml"),
      store: new MemoryEventStore(),
      handleSignals: false,
    });
    opened.push(assay);
    const middleware = core(assay, { unit: [{ from: "header", name: "x-user-id" }], acceptPropagated: true });
    const headers = { "x-user-id": "u-5", "x-assay-experiments": "new_exp=treatment" };
    const during = middleware.begin({ headers }, { cookies: [] });
    expect(during.assign(EXPERIMENT).reason).toBe("hash");
    const next = HASH_MANIFEST.replace(`id = "${EXPERIMENT}"`, `id = "${EXPERIMENT}"\nenabled = false`);
    await writeFile(
      join(dir, "assay.toml"),
      `${next}
[[plugins.experiments]]
id = "new_exp"
variants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]
`,
    );
    await assay.reload();
    expect(assay.version).toBe(2);
    // The request that started before the reload still answers from its version, which has no new_exp.
    expect(() => during.assign("new_exp")).toThrow(/not declared/);
    const after = middleware.begin({ headers }, { cookies: [] });
    expect(after.assign(EXPERIMENT).reason).toBe("disabled");
    // The upstream header is checked against the new version's experiments.
    expect(after.assign("new_exp")).toMatchObject({ variantId: "treatment", reason: "sticky" });
  });
});

describe("options", () => {
  it("names the bad option", async () => {
    const assay = await assayClient();
    const bad: Array<[Partial<RequestAssayOptions<FakeRequest>>, string]> = [
      [{ unit: [] }, "unit"],
      [{ unit: [{ from: "cookie", secret: "short" }] }, "unit[0].secret"],
      [{ unit: [{ from: "cookie", secret: [SECRET, "short"] }] }, "unit[0].secret[1]"],
      [
        {
          unit: [
            { from: "cookie", secret: SECRET },
            { from: "header", name: "x-user-id" },
          ],
        },
        "unit[0]",
      ],
      [{ unit: [{ from: "header", name: "x user" }] }, "unit[0].name"],
      [{ unit: [{ from: "cookie", secret: SECRET, maxAgeSeconds: -1 }] }, "unit[0].maxAgeSeconds"],
      [{ unit: [{ from: "cookie", secret: SECRET, path: "a;b" }] }, "unit[0].path"],
      [{ exposure: "later" as "immediate" }, "exposure"],
      [
        { unit: [{ from: "cookie", secret: SECRET, name: "__Host-visitor", secure: false }] },
        "unit[0].secure",
      ],
      [{ unit: [{ from: "cookie", secret: SECRET, name: "__Host-visitor", path: "/shop" }] }, "unit[0].path"],
      [{ unit: [{ from: "cookie", secret: SECRET, name: "__Secure-v", secure: false }] }, "unit[0].secure"],
      [{ attributes: { country: { header: 3 } as unknown as { header: string } } }, "attributes.country"],
    ];
    for (const [options, option] of bad) {
      const error = (() => {
        try {
          core(assay, options);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error, option).toBeInstanceOf(RequestOptionsError);
      expect((error as RequestOptionsError).option).toBe(option);
      expect((error as RequestOptionsError).code).toBe("INVALID_CONTEXT");
    }
  });
});
