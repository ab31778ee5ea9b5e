import { BackendError, readContainedFile } from "@assay/core";
import type { DataStore, DataStoreResponse } from "@statsig/statsig-node-core";
import { isV1Specs, v1ToV2Specs } from "./specs-v1.js";

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

  /** The specs in a file, re-read on every poll; a v1 (statsig-node) payload is rewritten in the v2 format. */
  static fromFile(file: string, baseDir: string, allowOutside: boolean): SpecsDataStore {
    return new SpecsDataStore({
      name: `file ${file}`,
      text: () => asV2Text(readContainedFile(file, baseDir, { allowOutside })),
    });
  }

  /** Specs in hand, either format. */
  static fromSpecs(specs: Readonly<Record<string, unknown>>): SpecsDataStore {
    const text = JSON.stringify(isV1Specs(specs) ? v1ToV2Specs(specs) : specs);
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
    // refused here, not by the SDK, which would also report its failure to Statsig
    const configs = (parsed as { dynamic_configs?: unknown }).dynamic_configs;
    if (typeof configs !== "object" || configs === null) {
      throw new BackendError(
        `statsig: the specs ${this.source.name} have no dynamic_configs (a download_config_specs response has them, as a map or a list)`,
      );
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

/** The file's text as the SDK reads it: v2 as it is, v1 rewritten (anything else is left for `check` to refuse). */
function asV2Text(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return text;
  const payload = parsed as Record<string, unknown>;
  return isV1Specs(payload) ? JSON.stringify(v1ToV2Specs(payload)) : text;
}
