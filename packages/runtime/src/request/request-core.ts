import { compileOptions } from "./compile-options.js";
import type { RequestAssayOptions } from "./options.js";
import { RequestHandle } from "./request-handle.js";

/** How a framework package reads a request and writes a response; static, shared by every request. */
export interface FrameworkBinding<Req, Res> {
  /** The value of a request header (name given lower-case), the first one when repeated. */
  header(request: Req, name: string): string | undefined;
  /** Adds a `Set-Cookie` header to the response, keeping any the app set. */
  appendSetCookie(response: Res, cookie: string): void;
  /**
   * Calls `settle` with the final status once the response is sent (Node's `finish`). Asked only when a request
   * holds an exposure, so requests that expose nothing pay no listener. A framework that knows the end of a
   * request itself (Hono, after `await next()`) leaves it out and calls `settle` there.
   */
  whenSent?(response: Res, settle: (statusCode: number) => void): void;
}

/** The framework-free middleware: options checked once, then one RequestHandle per request. */
export interface RequestCore<Req, Res> {
  /** The handle for one request; without `binding.whenSent`, call its `settle(status)` once the response is sent. */
  begin(request: Req, response: Res): RequestHandle<Req, Res>;
}

/**
 * Checks the options (throwing RequestOptionsError naming the bad one) and returns the core a framework package
 * wraps. Framework-free: the framework's request and response reach it only through `binding`.
 */
export function createRequestCore<Req, Res>(
  options: RequestAssayOptions<Req>,
  binding: FrameworkBinding<Req, Res>,
): RequestCore<Req, Res> {
  const compiled = compileOptions(options);
  return { begin: (request, response) => new RequestHandle(compiled, binding, request, response) };
}
