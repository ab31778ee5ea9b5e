import {
  createRequestCore,
  type FrameworkBinding,
  type RequestAssay,
  type RequestAssayOptions,
} from "@assay/runtime";
import type { Request, RequestHandler, Response } from "express";

declare global {
  // Express types its request through this global namespace; merging into it types `req.assay` everywhere.
  namespace Express {
    interface Request {
      /** Assay bound to this request: its unit, assign/expose/track, outgoing headers (`@assay/express`). */
      assay: RequestAssay;
    }
  }
}

/** The middleware's options: the request core's, with Express's request given to `user` and attribute functions. */
export type AssayExpressOptions = RequestAssayOptions<Request>;

const binding: FrameworkBinding<Request, Response> = {
  header(req, name) {
    const value = req.headers[name];
    return typeof value === "string" ? value : value?.[0];
  },
  // append keeps Set-Cookie headers the app set before or after this one.
  appendSetCookie(res, cookie) {
    res.append("Set-Cookie", cookie);
  },
  // Added only once the request holds an exposure: requests that expose nothing pay no listener.
  whenSent(res, settle) {
    res.on("finish", () => settle(res.statusCode));
  },
};

/**
 * The Express middleware: `app.use(assayMiddleware({ assay, unit: [...] }))`, then `req.assay` in the routes
 * after it. Exposures are recorded when the response emits `finish` with a status below 400; a response that
 * never finishes (the client went away) records none. Throws RequestOptionsError for a bad option, at once.
 */
export function assayMiddleware(options: AssayExpressOptions): RequestHandler {
  const core = createRequestCore(options, binding);
  return (req, res, next) => {
    req.assay = core.begin(req, res);
    next();
  };
}
