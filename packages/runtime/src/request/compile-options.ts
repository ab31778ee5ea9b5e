import { describe } from "@assay/core";
import { DEFAULT_BOT_PATTERN } from "./bots.js";
import { BoundedCache } from "./bounded-cache.js";
import { RequestOptionsError } from "./errors.js";
import { ManifestFacts } from "./manifest-facts.js";
import type { AttributeSource, RequestAssayOptions, UnitSource } from "./options.js";
import type { CookieAttributes } from "./signed-cookie.js";

/** A unit source checked and with its defaults filled in. */
export type CompiledSource<Req> =
  | {
      readonly from: "cookie";
      readonly name: string;
      readonly secrets: readonly string[];
      readonly attributes: CookieAttributes;
      /**
       * Cookie values that verified, with their id: a returning visitor costs a lookup instead of an HMAC
       * (which, with its buffers, was most of the 3 to 4 µs a returning visitor's unit took, measured). Only
       * values that verified get in, so a forged one is checked, and refused, every time.
       */
      readonly verified: BoundedCache<string>;
    }
  | { readonly from: "header"; readonly name: string }
  | { readonly from: "user"; readonly resolve: (request: Req) => string | undefined };

/** An attribute read from a header (lower-cased name) or by the app's function. */
export type CompiledAttribute<Req> =
  | { readonly name: string; readonly header: string }
  | { readonly name: string; readonly read: (request: Req) => string | undefined };

/** Options checked once, when the middleware is made, so a request does no validation of its own. */
export interface CompiledOptions<Req> {
  readonly assay: RequestAssayOptions<Req>["assay"];
  readonly sources: readonly CompiledSource<Req>[];
  readonly attributes: readonly CompiledAttribute<Req>[];
  readonly deferExposure: boolean;
  readonly bots: RegExp | undefined;
  /** The pattern's verdict per user agent seen: a lookup instead of a regex run (about 0.3 µs on a browser's). */
  readonly botVerdicts: BoundedCache<boolean>;
  /** What each version of the manifest says that the middleware needs (see ManifestFacts). */
  readonly facts: ManifestFacts;
  readonly unitHeader: string;
}

const DEFAULT_COOKIE = "assay_visitor";
const ONE_YEAR_SECONDS = 365 * 24 * 3600;
const MIN_SECRET_LENGTH = 32;
// RFC 9110 token characters: what a header or cookie name may hold.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Checks every option and fills in the defaults; throws RequestOptionsError naming the first bad option. */
export function compileOptions<Req>(options: RequestAssayOptions<Req>): CompiledOptions<Req> {
  if (typeof options !== "object" || options === null) {
    throw new RequestOptionsError("(options)", `must be an object, got ${describe(options)}`);
  }
  const assay = options.assay as unknown;
  if (
    typeof assay !== "object" ||
    assay === null ||
    typeof (assay as { snapshot?: unknown }).snapshot !== "function"
  ) {
    throw new RequestOptionsError("assay", `must be the client createAssay returned, got ${describe(assay)}`);
  }
  const sources = compileSources(options.unit);
  const exposure = options.exposure ?? "after-success";
  if (exposure !== "after-success" && exposure !== "immediate") {
    throw new RequestOptionsError(
      "exposure",
      `must be "after-success" or "immediate", got ${describe(exposure)}`,
    );
  }
  const bots = options.bots ?? DEFAULT_BOT_PATTERN;
  if (bots !== false && !(bots instanceof RegExp)) {
    throw new RequestOptionsError("bots", `must be a RegExp or false, got ${describe(bots)}`);
  }
  const accept = options.acceptPropagated ?? false;
  if (typeof accept !== "boolean") {
    throw new RequestOptionsError("acceptPropagated", `must be a boolean, got ${describe(accept)}`);
  }
  const firstHeader = sources.find((s) => s.from === "header")?.name;
  const unitHeader = headerName(options.unitHeader ?? firstHeader ?? "x-user-id", "unitHeader");
  return {
    assay: options.assay,
    sources,
    attributes: compileAttributes(options.attributes),
    deferExposure: exposure === "after-success",
    // Without g and y: with them, test() resumes at lastIndex and answers differently for the same agent.
    bots: bots === false ? undefined : new RegExp(bots.source, bots.flags.replace(/[gy]/g, "")),
    botVerdicts: new BoundedCache<boolean>(),
    facts: new ManifestFacts(accept),
    unitHeader,
  };
}

function compileSources<Req>(unit: readonly UnitSource<Req>[] | undefined): CompiledSource<Req>[] {
  if (!Array.isArray(unit) || unit.length === 0) {
    throw new RequestOptionsError(
      "unit",
      `must list at least one unit source ({ from: "cookie" | "header" | "user", ... }), got ${describe(unit)}`,
    );
  }
  return unit.map((source: UnitSource<Req>, index) => {
    const where = `unit[${index}]`;
    if (typeof source !== "object" || source === null) {
      throw new RequestOptionsError(where, `must be an object, got ${describe(source)}`);
    }
    if (source.from === "cookie") {
      if (index !== unit.length - 1) {
        throw new RequestOptionsError(
          where,
          "a cookie source always yields an id (a new visitor gets one), so it must be the last source",
        );
      }
      const name = cookieName(source.name ?? DEFAULT_COOKIE, `${where}.name`);
      const attributes: CookieAttributes = {
        maxAgeSeconds: positiveInteger(source.maxAgeSeconds ?? ONE_YEAR_SECONDS, `${where}.maxAgeSeconds`),
        secure: boolean(source.secure ?? true, `${where}.secure`),
        path: cookieText(source.path ?? "/", `${where}.path`, true),
        domain: source.domain === undefined ? undefined : cookieText(source.domain, `${where}.domain`, false),
      };
      checkPrefix(name, attributes, where);
      return {
        from: "cookie",
        name,
        secrets: secrets(source.secret, `${where}.secret`),
        attributes,
        verified: new BoundedCache<string>(),
      };
    }
    if (source.from === "header") return { from: "header", name: headerName(source.name, `${where}.name`) };
    if (source.from === "user") {
      if (typeof source.resolve !== "function") {
        throw new RequestOptionsError(
          `${where}.resolve`,
          `must be a function, got ${describe(source.resolve)}`,
        );
      }
      return { from: "user", resolve: source.resolve };
    }
    const from = (source as { from?: unknown }).from;
    throw new RequestOptionsError(
      `${where}.from`,
      `must be "cookie", "header" or "user", got ${describe(from)}`,
    );
  });
}

function compileAttributes<Req>(
  attributes: Readonly<Record<string, AttributeSource<Req>>> | undefined,
): CompiledAttribute<Req>[] {
  if (attributes === undefined) return [];
  if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
    throw new RequestOptionsError("attributes", `must be an object of sources, got ${describe(attributes)}`);
  }
  return Object.entries(attributes).map(([name, source]) => {
    const where = `attributes.${name}`;
    if (typeof source === "function") return { name, read: source };
    if (typeof source === "object" && source !== null && typeof source.header === "string") {
      return { name, header: headerName(source.header, `${where}.header`) };
    }
    throw new RequestOptionsError(where, `must be { header: "name" } or a function, got ${describe(source)}`);
  });
}

/**
 * Browsers silently drop a `__Secure-` cookie without `Secure`, and a `__Host-` one without `Secure`, with a
 * `Domain` or a path other than `/`: every visitor would get a new id on every request. Refused here instead.
 */
function checkPrefix(name: string, attributes: CookieAttributes, where: string): void {
  const host = name.startsWith("__Host-");
  if (!host && !name.startsWith("__Secure-")) return;
  if (!attributes.secure) {
    throw new RequestOptionsError(
      `${where}.secure`,
      `must be true for a cookie named ${name}: browsers drop it otherwise`,
    );
  }
  if (host && (attributes.domain !== undefined || attributes.path !== "/")) {
    throw new RequestOptionsError(
      attributes.domain !== undefined ? `${where}.domain` : `${where}.path`,
      `a __Host- cookie takes no domain and the path /: browsers drop it otherwise`,
    );
  }
}

function secrets(secret: string | readonly string[] | undefined, where: string): string[] {
  const list = typeof secret === "string" ? [secret] : secret;
  if (!Array.isArray(list) || list.length === 0) {
    throw new RequestOptionsError(
      where,
      `must be a secret string or a non-empty list of them, got ${describe(secret)}`,
    );
  }
  return list.map((s: unknown, i) => {
    const at = typeof secret === "string" ? where : `${where}[${i}]`;
    if (typeof s !== "string" || s.length < MIN_SECRET_LENGTH) {
      throw new RequestOptionsError(
        at,
        `must be a string of at least ${MIN_SECRET_LENGTH} characters (e.g. 32 random bytes as hex), got ${
          typeof s === "string" ? `${s.length} characters` : describe(s)
        }`,
      );
    }
    return s;
  });
}

function headerName(name: unknown, where: string): string {
  if (typeof name !== "string" || !TOKEN.test(name)) {
    throw new RequestOptionsError(where, `must be a header name (letters, digits, -), got ${describe(name)}`);
  }
  return name.toLowerCase();
}

function cookieName(name: unknown, where: string): string {
  if (typeof name !== "string" || !TOKEN.test(name)) {
    throw new RequestOptionsError(
      where,
      `must be a cookie name (letters, digits, -, _), got ${describe(name)}`,
    );
  }
  return name;
}

function cookieText(value: unknown, where: string, isPath: boolean): string {
  if (
    typeof value !== "string" ||
    value.length === 0 ||
    /[;\s,\0]/.test(value) ||
    (isPath && !value.startsWith("/"))
  ) {
    throw new RequestOptionsError(
      where,
      `must be ${isPath ? "a path starting with /" : "a domain"} without spaces, commas or semicolons, got ${describe(value)}`,
    );
  }
  return value;
}

function positiveInteger(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new RequestOptionsError(
      where,
      `must be a positive whole number of seconds, got ${describe(value)}`,
    );
  }
  return value;
}

function boolean(value: unknown, where: string): boolean {
  if (typeof value !== "boolean")
    throw new RequestOptionsError(where, `must be a boolean, got ${describe(value)}`);
  return value;
}
