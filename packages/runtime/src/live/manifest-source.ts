import { watch as watchDirectory } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { type Manifest, ManifestError, parseManifest } from "@assay/config";
import { allowsOutsideFiles } from "@assay/core";

/** A manifest's text as read, with what a poll needs to ask for it again. */
export interface ManifestText {
  readonly text: string;
}

/** Where a client's manifest comes from: a file, or a URL polled with its ETag. */
export interface ManifestSource {
  /** The file path or the URL, as given. */
  readonly location: string;
  /** The text now, or "unchanged" when the source says so without sending it (an HTTP 304). */
  read(): Promise<ManifestText | "unchanged">;
  /** Parses a text this source read (issues name `location`), for the environment `env`. */
  parse(text: string, env: string | undefined): Manifest;
  /**
   * Calls `changed` when the manifest may have changed: a file's change events (debounced by `debounceMs`),
   * or every `pollIntervalMs` for a URL. Returns the function that stops watching.
   */
  watch(changed: () => void, timing: { debounceMs: number; pollIntervalMs: number }): () => void;
}

/** Whether `manifest` names a URL (`http://…`, `https://…`) rather than a file. */
export function isManifestUrl(manifest: string): boolean {
  return /^https?:\/\//i.test(manifest);
}

/** The source of `manifest`: a URL or a file path. */
export function manifestSource(manifest: string): ManifestSource {
  return isManifestUrl(manifest) ? new UrlManifestSource(manifest) : new FileManifestSource(manifest);
}

/**
 * A manifest file. Watched through its folder, not the file itself: editors and deploy tools replace the
 * file (write a copy, rename it over), which ends a watch on the old inode.
 */
export class FileManifestSource implements ManifestSource {
  constructor(readonly location: string) {}

  async read(): Promise<ManifestText> {
    try {
      return { text: await readFile(this.location, "utf8") };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === "ENOENT"
          ? "no such file (create assay.toml or pass its path)"
          : code === "EISDIR"
            ? "this is a directory; pass the path of the .toml file"
            : error instanceof Error
              ? error.message
              : String(error);
      throw new ManifestError([
        { file: this.location, line: 1, column: 1, key: "", message: `cannot read the manifest: ${why}` },
      ]);
    }
  }

  parse(text: string, env: string | undefined): Manifest {
    return parseManifest(text, this.location, {
      checkFiles: true,
      allowOutsideFiles: allowsOutsideFiles(),
      env,
    });
  }

  watch(changed: () => void, timing: { debounceMs: number }): () => void {
    const name = basename(this.location);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watcher = watchDirectory(dirname(resolve(this.location)), (_event, file) => {
      if (file !== null && file !== name) return;
      clearTimeout(timer);
      timer = setTimeout(changed, timing.debounceMs);
      timer.unref?.();
    });
    // a folder that goes away ends the watch; SIGHUP still reloads
    watcher.on("error", () => watcher.close());
    watcher.unref();
    return () => {
      clearTimeout(timer);
      watcher.close();
    };
  }
}

/** How long one poll of a manifest URL may take before it counts as failed. */
const FETCH_TIMEOUT_MS = 10_000;

/**
 * A manifest served over HTTP(S), polled with `If-None-Match`: an unchanged manifest costs a 304 and no
 * parse. Plugin sources that are paths resolve from the working directory.
 */
export class UrlManifestSource implements ManifestSource {
  private etag: string | undefined;

  constructor(readonly location: string) {}

  async read(): Promise<ManifestText | "unchanged"> {
    const response = await fetch(this.location, {
      headers: this.etag === undefined ? {} : { "if-none-match": this.etag },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (response.status === 304) return "unchanged";
    if (!response.ok) {
      await response.body?.cancel();
      throw new ManifestError([
        {
          file: this.location,
          line: 1,
          column: 1,
          key: "",
          message: `cannot read the manifest: GET answered ${response.status} ${response.statusText}`.trim(),
        },
      ]);
    }
    const text = await response.text();
    this.etag = response.headers.get("etag") ?? undefined;
    return { text };
  }

  parse(text: string, env: string | undefined): Manifest {
    // No file is read for a manifest from elsewhere (checkFiles off): a URL must not make this machine's
    // files part of the manifest.
    const manifest = parseManifest(text, this.location, { env });
    return { ...manifest, dir: process.cwd() };
  }

  watch(changed: () => void, timing: { pollIntervalMs: number }): () => void {
    const timer = setInterval(changed, timing.pollIntervalMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }
}
