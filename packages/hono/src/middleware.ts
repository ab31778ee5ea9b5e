import {
  createRequestCore,
  type FrameworkBinding,
  type RequestAssay,
  type RequestAssayOptions,
} from "@assay/runtime";
import type { Context, MiddlewareHandler } from "hono";

declare module "hono" {
  interface ContextVariableMap {
    /** Assay bound to this request: its unit, assign/expose/track, outgoing headers (`@assay/hono`). */
    assay: RequestAssay;
  }
}

/** The middleware's options: the request core's, with Hono's context given to `user` and attribute functions. */
export type AssayHonoOptions = RequestAssayOptions<Context>;

const binding: FrameworkBinding<Context, Context> = {
  header: (c, name) => c.req.header(name),
  // append: keep the Set-Cookie headers the app sets on the same response.
  appendSetCookie(c, cookie) {
    c.header("Set-Cookie", cookie, { append: true });
  },
};

/**
 * The Hono middleware: `app.use(assayMiddleware({ assay, unit: [...] }))`, then `c.get("assay")` in the
 * handlers after it. Held exposures are recorded once the handlers are done, for a response status below 400
 * (a thrown error answered by Hono's error handler counts nobody). Throws RequestOptionsError for a bad option,
 * at once.
 */
export function assayMiddleware(options: AssayHonoOptions): MiddlewareHandler {
  const core = createRequestCore(options, binding);
  return async (c, next) => {
    const handle = core.begin(c, c);
    c.set("assay", handle);
    await next();
    handle.settle(c.res.status);
  };
}
