import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * A visitor id signed with HMAC-SHA256: `<id>.<base64url signature>`. The signature covers the cookie's name as
 * well as the id, so a value signed for one cookie is refused under another.
 */
export function signCookieValue(name: string, id: string, secret: string): string {
  return `${id}.${signature(name, id, secret)}`;
}

/**
 * The id inside a signed value, or undefined when the value is unsigned, malformed or signed with none of the
 * `secrets` (the first signs, the others still verify while a secret is being rotated out). Constant-time
 * comparison, so the check leaks nothing about how much of a forged signature was right.
 */
export function verifyCookieValue(
  name: string,
  value: string,
  secrets: readonly string[],
): string | undefined {
  const dot = value.lastIndexOf(".");
  if (dot <= 0 || value.length - dot - 1 !== SIGNATURE_LENGTH) return undefined;
  const id = value.slice(0, dot);
  if (!VISITOR_ID.test(id)) return undefined;
  const given = Buffer.from(value.slice(dot + 1), "base64url");
  if (given.length !== SIGNATURE_BYTES) return undefined;
  for (const secret of secrets) {
    if (timingSafeEqual(given, hmac(name, id, secret))) return id;
  }
  return undefined;
}

/** The first value of cookie `name` in a `Cookie` request header, undefined when absent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const prefix = `${name}=`;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(";", start);
    if (end === -1) end = header.length;
    let from = start;
    while (header.charCodeAt(from) === 32) from++;
    if (header.startsWith(prefix, from)) return header.slice(from + prefix.length, end).trim();
    start = end + 1;
  }
  return undefined;
}

/** What a `Set-Cookie` header carries besides the name and the value. */
export interface CookieAttributes {
  readonly maxAgeSeconds: number;
  readonly secure: boolean;
  readonly path: string;
  readonly domain?: string | undefined;
}

/** A `Set-Cookie` header value: always `HttpOnly` and `SameSite=Lax`; `Secure` unless turned off for http dev. */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  const domain = attributes.domain === undefined ? "" : `; Domain=${attributes.domain}`;
  const secure = attributes.secure ? "; Secure" : "";
  return `${name}=${value}; Max-Age=${attributes.maxAgeSeconds}; Path=${attributes.path}${domain}; HttpOnly; SameSite=Lax${secure}`;
}

/** Ids the middleware makes (UUIDs) and ids it accepts back: short, URL- and cookie-safe. */
export const VISITOR_ID = /^[A-Za-z0-9_-]{1,128}$/;

// A SHA-256 HMAC: 32 bytes, 43 characters of base64url without padding.
const SIGNATURE_BYTES = 32;
const SIGNATURE_LENGTH = 43;

function hmac(name: string, id: string, secret: string): Buffer {
  return createHmac("sha256", secret).update(`${name}=${id}`).digest();
}

function signature(name: string, id: string, secret: string): string {
  return hmac(name, id, secret).toString("base64url");
}
