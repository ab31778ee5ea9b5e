import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { ImportError, OUTPUT_LIMITS, quote } from "./imported.js";

/**
 * What `assay import` accepts of a payload file. Real payloads are far inside these (a GrowthBook project with
 * a thousand features is a few MB and some 100,000 values, nested under 20 deep); past them the import would
 * spend seconds and gigabytes on something no vendor exports (60,000 variations took 8.4 s, 50,000 features
 * 2.3 GB), so it stops at once with an error that names the limit.
 */
export const PAYLOAD_LIMITS = Object.freeze({
  /** Bytes of the file. */
  bytes: 32 * 1024 * 1024,
  /** Nesting of arrays and objects. */
  depth: 64,
  /** JSON values in all (every object, array, string, number, boolean and null). */
  values: 1_000_000,
  /** Experiments the import writes, and variations of one experiment. */
  ...OUTPUT_LIMITS,
});

/**
 * Reads and parses a vendor payload file within {@link PAYLOAD_LIMITS}, then checks every value can be written
 * to TOML as it is: numbers finite (JSON's `1e400` parses to Infinity), strings and keys well-formed Unicode
 * (no unpaired surrogate) without control characters other than tab, newline and carriage return. A violation
 * is an {@link ImportError} naming the JSON path of the value (`$.features["x"].rules[0].id`). `file` `-`
 * reads `stdin` instead, within the same byte limit (`curl … | assay import growthbook -`).
 */
export async function readPayload(file: string, stdin?: Readable): Promise<unknown> {
  const text = file === "-" ? await readStream(stdin) : await readLimited(file);
  checkDepth(text);
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new ImportError(`not valid JSON: ${(error as Error).message}`);
  }
  checkValues(payload);
  return payload;
}

async function readLimited(file: string): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImportError(
      code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : `cannot open (${code})`,
    );
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ImportError("not a regular file (a directory, device or pipe)");
    if (stat.size > PAYLOAD_LIMITS.bytes) throw tooBig();
    // read one byte past the limit, in case the file grows between stat and read
    const buffer = Buffer.alloc(Math.min(stat.size, PAYLOAD_LIMITS.bytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > PAYLOAD_LIMITS.bytes) throw tooBig();
      if (length === buffer.length) break;
    }
    return decode(buffer.subarray(0, length));
  } finally {
    await handle.close();
  }
}

/** All of `stream` as text, stopping as soon as it passes the byte limit (a pipe has no size to check first). */
async function readStream(stream: Readable | undefined): Promise<string> {
  if (stream === undefined) throw new ImportError("no standard input here to read - from");
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    length += bytes.length;
    if (length > PAYLOAD_LIMITS.bytes) {
      stream.destroy();
      throw tooBig();
    }
    chunks.push(bytes);
  }
  return decode(Buffer.concat(chunks));
}

function decode(bytes: Buffer): string {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  return text.startsWith("\uFEFF") ? text.slice(1) : text;
}

function tooBig(): ImportError {
  return new ImportError(`larger than the import's limit of ${PAYLOAD_LIMITS.bytes / 1024 / 1024} MiB`);
}

/** The nesting of the text's arrays and objects, counted before parsing so a hostile file costs one pass. */
function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > PAYLOAD_LIMITS.depth) {
        throw new ImportError(
          `nested deeper than the import's limit of ${PAYLOAD_LIMITS.depth} (at character ${i + 1})`,
        );
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

interface Visit {
  readonly value: unknown;
  readonly parent: Visit | undefined;
  readonly key: string | number;
}

/** Walks the parsed payload without recursion (the depth is bounded, but a stack of our own costs nothing). */
function checkValues(payload: unknown): void {
  const stack: Visit[] = [{ value: payload, parent: undefined, key: "$" }];
  let count = 0;
  while (stack.length > 0) {
    const visit = stack.pop()!;
    if (++count > PAYLOAD_LIMITS.values) {
      throw new ImportError(`holds more than the import's limit of ${PAYLOAD_LIMITS.values} JSON values`);
    }
    const { value } = visit;
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new ImportError(`${jsonPath(visit)}: a number too large for a double (${value}), refused`);
    }
    if (typeof value === "string") {
      const problem = textProblem(value);
      if (problem) throw new ImportError(`${jsonPath(visit)}: ${problem}`);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], parent: visit, key: i });
    } else if (typeof value === "object" && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        const problem = textProblem(key);
        if (problem) throw new ImportError(`${jsonPath(visit)}: the key ${problem}`);
        stack.push({ value: child, parent: visit, key });
      }
    }
  }
}

/**
 * Why a string cannot be imported: an unpaired surrogate (not Unicode, so not TOML), or a control character
 * other than tab, newline and carriage return (no vendor id holds one; in a name they hide what is written).
 */
export function textProblem(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = value.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `holds an unpaired surrogate (U+${hex(c)}) at index ${i}: not valid Unicode, refused`;
    }
    const control = (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f);
    if (control) return `holds the control character U+${hex(c)} at index ${i}, refused`;
  }
  return undefined;
}

const hex = (c: number) => c.toString(16).toUpperCase().padStart(4, "0");

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$.features["my feature"].rules[0].id`: keys that are not identifiers quoted as JSON strings. */
function jsonPath(visit: Visit): string {
  const parts: string[] = [];
  for (let v: Visit | undefined = visit; v?.parent !== undefined; v = v.parent) {
    parts.push(
      typeof v.key === "number"
        ? `[${v.key}]`
        : IDENTIFIER.test(v.key)
          ? `.${v.key}`
          : `[${quote(v.key, 60)}]`,
    );
  }
  return `$${parts.reverse().join("")}`;
}
