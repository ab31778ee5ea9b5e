import type { FastifyInstance } from "fastify";

/** `GET /healthz`: the process answers. Open without a token, so a load balancer can probe it. */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get("/healthz", async (_request, reply) =>
    reply.header("cache-control", "no-store").send({ ok: true }),
  );
}
