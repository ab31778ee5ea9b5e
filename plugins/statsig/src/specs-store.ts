import { BackendError, readContainedFile } from "@assay/core";
import type { DataStore, DataStoreResponse } from "@statsig/statsig-node-core";

/** The data-store path under which the SDK looks for the config specs (`statsig|<path>|plain_text|<key>`). */
const SPECS_PATH = "/v2/download_config_specs";

/**
 * A Statsig data store (the SDK's own adapter for specs kept outside Statsig's API) that serves the config
 * specs from a payload in hand or from a file, re-read whenever the SDK polls, so editing the file is a config
 * refresh exactly as the SDK performs one. Writes are ignored: the file is the source of truth.
 */
export class SpecsDataStore implements DataStore {
  /** Why the last read failed, for the error `init` reports. */
  lastError: Error | undefined;

  constructor(private readonly source: { readonly name: string; readonly text: () => string }) {}

  static fromFile(file: string, baseDir: string, allowOutside: boolean): SpecsDataStore {
    return new SpecsDataStore({
      name: `file ${file}`,
      text: () => readContainedFile(file, baseDir, { allowOutside }),
    });
  }

  static fromSpecs(specs: Readonly<Record<string, unknown>>): SpecsDataStore {
    const text = JSON.stringify(specs);
    return new SpecsDataStore({ name: "given", text: () => text });
  }

  /** Reads the specs once: BACKEND naming the file when it cannot be read or is not a JSON object. */
  check(): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.source.text());
    } catch (error) {
      throw new BackendError(
        `statsig: cannot read the specs ${this.source.name}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new BackendError(`statsig: the specs ${this.source.name} are not a JSON object`);
    }
  }

  initialize = async (): Promise<void> => {};
  shutdown = async (): Promise<void> => {};

  get = async (key: string): Promise<DataStoreResponse> => {
    if (!key.includes(`|${SPECS_PATH}|`)) return {};
    try {
      const result = this.source.text();
      this.lastError = undefined;
      return { result, time: Date.now() };
    } catch (error) {
      this.lastError = error as Error;
      return {};
    }
  };

  set = async (): Promise<void> => {};

  supportPollingUpdatesFor = async (key: string): Promise<boolean> => key === SPECS_PATH;
}
