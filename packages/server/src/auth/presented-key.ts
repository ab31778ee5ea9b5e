import type { FastifyRequest } from "fastify";

/** The cookie `/login` sets so a browser can use the dashboard pages without sending a header. */
export const LOGIN_COOKIE = "assay_token";

/** The key in `Authorization: Bearer <key>` or `X-API-Key: <key>` (OFREP names both), else undefined. */
export function headerKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === "string" && /^bearer /i.test(header)) {
    const key = header.slice(7).trim();
    return key === "" ? undefined : key;
  }
  const apiKey = request.headers["x-api-key"];
  if (typeof apiKey === "string" && apiKey.trim() !== "") return apiKey.trim();
  return undefined;
}

/** The key the login cookie holds, else undefined. */
export function cookieKey(request: FastifyRequest): string | undefined {
  const cookies = request.headers.cookie;
  if (typeof cookies !== "string") return undefined;
  for (const part of cookies.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name !== LOGIN_COOKIE) continue;
    try {
      return decodeURIComponent(value.join("="));
    } catch {
      return undefined;
    }
  }
  return undefined;
}
