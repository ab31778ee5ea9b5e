import {
  createRequestCore,
  type FrameworkBinding,
  type RequestAssay,
  type RequestAssayOptions,
  type RequestCore,
} from "@assay/runtime";
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";

declare module "fastify" {
  interface FastifyRequest {
    /** Assay bound to this request: its unit, assign/expose/track, outgoing headers (`@assay/fastify`). */
    assay: RequestAssay;
  }
}

/** The plugin's options: the request core's, with Fastify's request given to `user` and attribute functions. */
export type AssayFastifyOptions = RequestAssayOptions<FastifyRequest>;

const binding: FrameworkBinding<FastifyRequest, FastifyReply> = {
  header(request, name) {
    const value = request.headers[name];
    return typeof value === "string" ? value : value?.[0];
  },
  // Fastify appends to an existing set-cookie instead of replacing it, so the app's own cookies stay.
  appendSetCookie(reply, cookie) {
    reply.header("set-cookie", cookie);
  },
  // The raw response's `finish` is the event Fastify runs onResponse on, with the final status. A listener of
  // the request's own, added only once it holds an exposure, rather than an onResponse hook on every request:
  // the hook alone cost about 5 % of a small route's CPU per request (+9.4 % with it, +4.1 % without, in
  // bench/overhead.mjs).
  whenSent(reply, settle) {
    reply.raw.on("finish", () => settle(reply.statusCode));
  },
};

const plugin: FastifyPluginCallback<AssayFastifyOptions> = (app, options, done) => {
  // Options are checked here, at registration: a bad one fails `app.ready()` naming it.
  let core: RequestCore<FastifyRequest, FastifyReply>;
  try {
    core = createRequestCore(options, binding);
  } catch (error) {
    done(error as Error);
    return;
  }
  // Fastify 5 wants a decorated request property to start as null and be set per request.
  app.decorateRequest("assay", null as unknown as RequestAssay);
  app.addHook("onRequest", (request, reply, next) => {
    request.assay = core.begin(request, reply);
    next();
  });
  done();
};

/**
 * The Fastify plugin: `app.register(assayPlugin, { assay, unit: [...] })`, then `request.assay` in every route
 * of the app (the plugin is not encapsulated). Held exposures are recorded once the response is sent (when
 * Fastify runs onResponse), for a status below 400.
 */
export const assayPlugin = fp(plugin, { name: "@assay/fastify", fastify: "5.x" });
