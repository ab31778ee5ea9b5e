import type { Readable, Writable } from "node:stream";

/** Where a command reads and writes; tests pass string buffers. */
export interface Io {
  /** What `-` reads where a command takes a file (`--users -`); absent, `-` is a usage error. */
  readonly stdin?: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
}

/** Writes `text` and waits for the stream to drain when its buffer is full, so a million lines stay bounded in memory. */
export function write(stream: Writable, text: string): Promise<void> | undefined {
  if (stream.write(text)) return undefined;
  return new Promise((resolve) => stream.once("drain", resolve));
}
