import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { buildDashboardApp, type DashboardAppOptions } from "./app.js";

/** Options of {@link mountDashboard}: the app's, with the path to mount it under instead of `basePath`. */
export interface MountOptions extends Omit<DashboardAppOptions, "basePath"> {
  /** Where the dashboard answers in the host app, such as `"/results"`: a path of one or more segments. */
  readonly prefix: string;
}

/** Response headers a forwarded answer keeps; hop-by-hop and length headers are the host's to set. */
const KEPT_HEADERS = [
  "content-type",
  "cache-control",
  "content-security-policy",
  "x-content-type-options",
  "retry-after",
  "www-authenticate",
  "set-cookie",
  "location",
] as const;

/** A prefix that is not a plain path (`/results`, `/ops/ab`) is refused before anything is registered. */
export class MountPrefixError extends Error {
  override readonly name = "MountPrefixError";
}

/**
 * Serves the results dashboard inside another Fastify app, under `prefix`: `/results` is its index,
 * `/results/experiments/:id` an experiment, `/results/api/...` the JSON twins, and every link of the pages
 * stays under the prefix. The requests are handed to a dashboard app of their own (`inject`, no socket), so
 * its error pages, auth and headers apply as they do under `assay serve`, and nothing of the host app's
 * hooks or handlers leaks into it. The dashboard closes with the host app.
 */
export async function mountDashboard(host: FastifyInstance, options: MountOptions): Promise<void> {
  const { prefix, ...rest } = options;
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(prefix)) {
    throw new MountPrefixError(
      `prefix ${JSON.stringify(prefix)}: expected a path such as "/results" (no trailing slash, no query)`,
    );
  }
  const dashboard = await buildDashboardApp({ ...rest, basePath: prefix });
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const inner = request.url.slice(prefix.length);
    const url = inner === "" || inner.startsWith("?") ? `/${inner}` : inner;
    const answer = await dashboard.inject({
      method: request.method as "GET",
      url,
      headers: request.headers,
      ...(request.body === undefined ? {} : { payload: request.body as string }),
    });
    reply.code(answer.statusCode);
    for (const name of KEPT_HEADERS) {
      const value = answer.headers[name];
      if (value === undefined) continue;
      // The dashboard redirects within itself (`/` after a login): keep it under the prefix.
      const local =
        name === "location" && typeof value === "string" && value.startsWith("/") && !value.startsWith("//");
      reply.header(name, local ? `${prefix}${value}` : value);
    }
    return reply.send(answer.rawPayload);
  };
  host.all(prefix, forward);
  host.all(`${prefix}/*`, forward);
  host.addHook("onClose", async () => {
    await dashboard.close();
  });
}
