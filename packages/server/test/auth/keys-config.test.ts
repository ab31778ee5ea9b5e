import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KeysConfigError, loadKeysFile, parseKeysEnv } from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "assay-keys-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("loadKeysFile", () => {
  it("reads TOML [[keys]] tables and JSON lists", () => {
    const toml = file(
      "keys.toml",
      `[[keys]]\nname = "web"\nkey = "pk-browser-0123456789"\nroles = ["evaluate"]\n\n[[keys]]\nkey = "sk-collector-0123456789"\nroles = ["ingest", "read"]\n`,
    );
    expect(loadKeysFile(toml)).toEqual([
      { name: "web", key: "pk-browser-0123456789", roles: ["evaluate"] },
      { name: "key-1", key: "sk-collector-0123456789", roles: ["ingest", "read"] },
    ]);
    const json = file("keys.json", JSON.stringify({ keys: [{ sha256: "A".repeat(64), roles: ["admin"] }] }));
    expect(loadKeysFile(json)).toEqual([{ name: "key-0", sha256: "a".repeat(64), roles: ["admin"] }]);
  });

  it.each([
    [
      "unknown role",
      `[[keys]]\nkey = "k-0123456789abcdef"\nroles = ["write"]`,
      /keys\[0\]\.roles\[0\]: "write" is not a role/,
    ],
    [
      "no roles",
      `[[keys]]\nkey = "k-0123456789abcdef"\nroles = []`,
      /keys\[0\]\.roles: expected a non-empty list/,
    ],
    [
      "short key",
      `[[keys]]\nkey = "short"\nroles = ["read"]`,
      /keys\[0\]\.key: a key needs at least 16 characters/,
    ],
    [
      "both key and hash",
      `[[keys]]\nkey = "k-0123456789abcdef"\nsha256 = "${"a".repeat(64)}"\nroles = ["read"]`,
      /give exactly one of key and sha256/,
    ],
    ["bad hash", `[[keys]]\nsha256 = "xyz"\nroles = ["read"]`, /keys\[0\]\.sha256: expected 64 hex digits/],
    [
      "unknown field",
      `[[keys]]\nkey = "k-0123456789abcdef"\nroles = ["read"]\nrole = "x"`,
      /keys\[0\]\.role: unknown field/,
    ],
    [
      "repeated key",
      `[[keys]]\nkey = "k-0123456789abcdef"\nroles = ["read"]\n[[keys]]\nkey = "k-0123456789abcdef"\nroles = ["ingest"]`,
      /key-1 repeats the key of key-0/,
    ],
    ["no keys", `title = "x"`, /expected a list of keys under "keys"/],
  ])("%s is refused, naming the entry and field", (_what, text, message) => {
    const path = file(`bad-${Math.random()}.toml`, text);
    expect(() => loadKeysFile(path)).toThrow(KeysConfigError);
    expect(() => loadKeysFile(path)).toThrow(message);
  });

  it("a syntax error names the line but never quotes the file (it holds secrets)", () => {
    const path = file("broken.toml", `[[keys]]\nkey = "secret-never-shown-0123456789\nroles = ["read"]\n`);
    let message = "";
    try {
      loadKeysFile(path);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/not valid TOML/);
    expect(message).not.toContain("secret-never-shown");
  });

  it("a missing file names the path and the reason", () => {
    expect(() => loadKeysFile(join(dir, "absent.toml"))).toThrow(/absent\.toml: ENOENT/);
  });
});

describe("parseKeysEnv", () => {
  it("reads KEY:ROLE+ROLE entries separated by commas or whitespace", () => {
    expect(parseKeysEnv("pk-0123456789abcdef:evaluate, sk:with:colons-0123:ingest+read")).toEqual([
      { name: "env-0", key: "pk-0123456789abcdef", roles: ["evaluate"] },
      { name: "env-1", key: "sk:with:colons-0123", roles: ["ingest", "read"] },
    ]);
    expect(parseKeysEnv(undefined)).toEqual([]);
    expect(parseKeysEnv("  ")).toEqual([]);
  });

  it("names the entry of a bad one without quoting the key", () => {
    expect(() => parseKeysEnv("pk-0123456789abcdef")).toThrow(/entry 0: expected KEY:ROLE/);
    expect(() => parseKeysEnv("ok-0123456789abcdef:read pk-0123456789abcdef:owner")).toThrow(
      /entry 1: roles\[0\]: "owner" is not a role/,
    );
    expect(() => parseKeysEnv("tiny:read")).toThrow(/entry 0: the key: a key needs at least 16 characters/);
    expect(() => parseKeysEnv("tiny:read")).not.toThrow(/tiny/);
  });
});
