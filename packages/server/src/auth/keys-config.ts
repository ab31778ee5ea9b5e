import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import type { ApiKey } from "./key-ring.js";
import { isRole, ROLES, type Role } from "./roles.js";

/** A keys file or `ASSAY_API_KEYS` that cannot be used; the message names the place, never a secret. */
export class KeysConfigError extends Error {
  override readonly name = "KeysConfigError";
}

/** Shorter keys are refused: a key is a bearer secret, guessable ones are no keys. */
export const MIN_KEY_LENGTH = 16;

const FIELDS = new Set(["name", "key", "sha256", "roles"]);

/**
 * Reads a keys file: TOML (`[[keys]]` tables) or JSON (`{ "keys": [...] }` or a bare array), chosen by
 * the extension (`.json`, else TOML). Each entry: `name` (optional), `key` or `sha256` (the hex SHA-256 of
 * the key, so the file holds no secret), and `roles` (a non-empty list of evaluate, ingest, read, admin).
 */
export function loadKeysFile(path: string): ApiKey[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new KeysConfigError(`${path}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}`);
  }
  let parsed: unknown;
  try {
    parsed = path.endsWith(".json") ? JSON.parse(text) : parseToml(text);
  } catch (error) {
    // The parsers quote the offending text, which may be a key: only the position is kept.
    const where = error instanceof Error ? /line (\d+)/i.exec(error.message)?.[0] : undefined;
    throw new KeysConfigError(
      `${path}: not valid ${path.endsWith(".json") ? "JSON" : "TOML"}${where === undefined ? "" : ` (${where})`}`,
    );
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new KeysConfigError(`${path}: expected a list of keys under "keys"`);
  if (list.length === 0) throw new KeysConfigError(`${path}: the file declares no key`);
  if (!Array.isArray(parsed)) {
    for (const field of Object.keys(parsed as object)) {
      if (field !== "keys") throw new KeysConfigError(`${path}: unknown top-level field "${field}"`);
    }
  }
  const keys = list.map((entry, index) => keyEntry(entry, `${path}: keys[${index}]`, `key-${index}`));
  return unique(keys, path);
}

function keyEntry(entry: unknown, where: string, defaultName: string): ApiKey {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw new KeysConfigError(`${where}: expected a table with key (or sha256) and roles`);
  }
  const record = entry as Record<string, unknown>;
  for (const field of Object.keys(record)) {
    if (!FIELDS.has(field)) {
      throw new KeysConfigError(`${where}.${field}: unknown field (expected name, key, sha256, roles)`);
    }
  }
  const { name, key, sha256, roles } = record;
  if (name !== undefined && (typeof name !== "string" || name.trim() === "")) {
    throw new KeysConfigError(`${where}.name: expected a non-empty string`);
  }
  if ((key === undefined) === (sha256 === undefined)) {
    throw new KeysConfigError(`${where}: give exactly one of key and sha256`);
  }
  if (key !== undefined) checkSecret(key, `${where}.key`);
  if (sha256 !== undefined && (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/i.test(sha256))) {
    throw new KeysConfigError(`${where}.sha256: expected 64 hex digits (the SHA-256 of the key)`);
  }
  return {
    name: typeof name === "string" ? name.trim() : defaultName,
    ...(key !== undefined ? { key: key as string } : { sha256: (sha256 as string).toLowerCase() }),
    roles: rolesOf(roles, `${where}.roles`),
  };
}

function checkSecret(key: unknown, where: string): void {
  if (typeof key !== "string") throw new KeysConfigError(`${where}: expected a string`);
  if (key.length < MIN_KEY_LENGTH) {
    throw new KeysConfigError(`${where}: a key needs at least ${MIN_KEY_LENGTH} characters`);
  }
  if (/[\s,]/.test(key)) throw new KeysConfigError(`${where}: a key holds no whitespace or comma`);
}

function rolesOf(roles: unknown, where: string): Role[] {
  if (!Array.isArray(roles) || roles.length === 0) {
    throw new KeysConfigError(`${where}: expected a non-empty list of ${ROLES.join(", ")}`);
  }
  return roles.map((role, index) => {
    if (!isRole(role)) {
      throw new KeysConfigError(
        `${where}[${index}]: ${JSON.stringify(role)} is not a role (${ROLES.join(", ")})`,
      );
    }
    return role;
  });
}

function unique(keys: ApiKey[], where: string): ApiKey[] {
  const seen = new Map<string, string>();
  for (const k of keys) {
    const id = k.key !== undefined ? `key:${k.key}` : `sha:${k.sha256}`;
    const other = seen.get(id);
    if (other !== undefined) throw new KeysConfigError(`${where}: ${k.name} repeats the key of ${other}`);
    seen.set(id, k.name);
  }
  return keys;
}

/**
 * Parses `ASSAY_API_KEYS`: entries separated by commas or whitespace, each `KEY:ROLE[+ROLE...]`
 * (`s3cr3t-0123456789:evaluate`, `other-key-abcdefgh:ingest+read`); named `env-0`, `env-1`, ... in
 * messages. Empty or unset: no keys.
 */
export function parseKeysEnv(value: string | undefined, variable = "ASSAY_API_KEYS"): ApiKey[] {
  if (value === undefined || value.trim() === "") return [];
  const entries = value.split(/[\s,]+/).filter((e) => e !== "");
  const keys = entries.map((entry, index): ApiKey => {
    const where = `${variable}: entry ${index}`;
    const colon = entry.lastIndexOf(":");
    if (colon <= 0) throw new KeysConfigError(`${where}: expected KEY:ROLE[+ROLE...]`);
    const key = entry.slice(0, colon);
    checkSecret(key, `${where}: the key`);
    return {
      name: `env-${index}`,
      key,
      roles: rolesOf(entry.slice(colon + 1).split("+"), `${where}: roles`),
    };
  });
  return unique(keys, variable);
}
