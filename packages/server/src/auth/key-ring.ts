import { createHash, timingSafeEqual } from "node:crypto";
import type { Role } from "./roles.js";

/** One API key as configured: a name for messages (never the key itself), the key, and its roles. */
export interface ApiKey {
  /** Shown in errors and the startup line; defaults to `key-<index>`. Never the secret. */
  readonly name: string;
  /** The secret a client presents, or, when `sha256` is given instead, absent. */
  readonly key?: string;
  /** The SHA-256 of the key, hex: lets a keys file hold no secret at all. */
  readonly sha256?: string;
  readonly roles: readonly Role[];
}

/** A key that matched: its name and roles (the secret is not kept on it). */
export interface KeyMatch {
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
}

interface StoredKey extends KeyMatch {
  readonly digest: Buffer;
}

function digestOf(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

/**
 * Compares in constant time: both sides are hashed first, so neither the length nor the first differing
 * byte of the token shows in the timing.
 */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digestOf(expected), digestOf(given));
}

/**
 * The configured keys, held only as SHA-256 digests. `match` hashes the presented key once and compares it
 * with every stored digest by `timingSafeEqual`, without stopping at the first match, so the time taken says
 * neither which key matched nor how much of one did.
 */
export class KeyRing {
  readonly #keys: readonly StoredKey[];

  constructor(keys: readonly ApiKey[]) {
    this.#keys = keys.map((k) => ({
      name: k.name,
      roles: new Set(k.roles),
      digest: k.sha256 !== undefined ? Buffer.from(k.sha256, "hex") : digestOf(k.key ?? ""),
    }));
  }

  /** How many keys are configured; 0 means the server runs open (loopback only). */
  get size(): number {
    return this.#keys.length;
  }

  /** The key `presented` is, or undefined. */
  match(presented: string | undefined): KeyMatch | undefined {
    if (presented === undefined || this.#keys.length === 0) return undefined;
    const digest = digestOf(presented);
    let found: StoredKey | undefined;
    for (const key of this.#keys) {
      if (timingSafeEqual(key.digest, digest) && found === undefined) found = key;
    }
    return found;
  }

  /** The names of the keys and their roles, for the startup line. */
  describe(): string[] {
    return this.#keys.map((k) => `${k.name} (${[...k.roles].join(", ")})`);
  }
}
