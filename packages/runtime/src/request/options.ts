import type { Assay } from "../assay-client.js";

/**
 * Where a request's unit (the experiment's randomization id) comes from. Sources are tried in order and the
 * first that yields an id wins; a cookie source always yields one (a new visitor gets a new id), so it goes last.
 */
export type UnitSource<Req> = CookieUnitSource | HeaderUnitSource | UserUnitSource<Req>;

/** A signed first-party cookie holding an anonymous visitor id; set on the response for new visitors. */
export interface CookieUnitSource {
  readonly from: "cookie";
  /** Signs the cookie (HMAC-SHA256), at least 32 characters. A list rotates: the first signs, all verify. */
  readonly secret: string | readonly string[];
  /** Default `assay_visitor`. */
  readonly name?: string;
  /** Default one year. */
  readonly maxAgeSeconds?: number;
  /** Default true. Turn off only for plain-http development: browsers drop `Secure` cookies over http. */
  readonly secure?: boolean;
  /** Default `/`. */
  readonly path?: string;
  /** Default none (the cookie is the host's only). */
  readonly domain?: string;
}

/**
 * A request header naming the unit, such as `x-user-id` from a gateway or another service. Anyone can send a
 * header, so configure this only where the header is set by something trusted (behind a proxy that strips it
 * from public traffic, or on an internal service).
 */
export interface HeaderUnitSource {
  readonly from: "header";
  readonly name: string;
}

/** The app's own user (from its session or auth), or undefined for a visitor who is not signed in. */
export interface UserUnitSource<Req> {
  readonly from: "user";
  readonly resolve: (request: Req) => string | undefined;
}

/** A request attribute for the manifest's targeting: a request header, or what the app reads from the request. */
export type AttributeSource<Req> = { readonly header: string } | ((request: Req) => string | undefined);

/** The options every framework package takes (`@assay/fastify`, `@assay/express`, `@assay/hono`). */
export interface RequestAssayOptions<Req> {
  /** The client from `createAssay`. */
  readonly assay: Assay;
  /** Where the unit comes from, tried in order (see UnitSource). At least one source. */
  readonly unit: readonly UnitSource<Req>[];
  /**
   * The attributes the context carries, by name, for the manifest's targeting (`country in [FR, DE]`). Only
   * these: a request's other headers never reach targeting or the event store. Missing values are left out.
   */
  readonly attributes?: Readonly<Record<string, AttributeSource<Req>>>;
  /**
   * When `expose` records: `"after-success"` (default) holds exposures until the response is sent and records
   * them only for a status below 400, so an error page counts nobody; `"immediate"` records at once.
   */
  readonly exposure?: "after-success" | "immediate";
  /** User agents whose exposures are never recorded (default DEFAULT_BOT_PATTERN); false counts every agent. */
  readonly bots?: RegExp | false;
  /**
   * Read `x-assay-experiments` from incoming requests and serve its variants instead of assigning. Default
   * false: like a unit header, it lets the sender choose, so accept it only on services called by your own.
   */
  readonly acceptPropagated?: boolean;
  /**
   * The header `outgoingHeaders()` names the unit in (default: the name of the first header source, else
   * `x-user-id`), so the called service can take it with a header source of the same name.
   */
  readonly unitHeader?: string;
}
