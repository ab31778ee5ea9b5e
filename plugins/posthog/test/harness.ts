import { gunzipSync } from "node:zlib";
import type { ExperimentDefinition } from "@assay/core";
import type { PostHogFetch } from "../src/index.js";

/** A PostHog flag definition as the local-evaluation endpoint sends it. */
export interface Flag {
  readonly id: number;
  readonly key: string;
  readonly active: boolean;
  readonly version?: number;
  readonly ensure_experience_continuity?: boolean;
  readonly filters: {
    readonly aggregation_group_type_index?: number;
    readonly groups: readonly {
      properties: readonly unknown[];
      rollout_percentage: number | null;
      variant?: string;
    }[];
    readonly multivariate?: { readonly variants: readonly { key: string; rollout_percentage: number }[] };
    readonly holdout?: { id: number; exclusion_percentage: number };
  };
}

/** One multivariate flag per experiment: variant keys = variant ids, percentages from the weights, rollout = traffic. */
export function flagsFor(experiments: readonly ExperimentDefinition[]): Flag[] {
  return experiments.map((e, i) => {
    const total = e.variants.reduce((a, v) => a + v.weight, 0);
    return {
      id: i + 1,
      key: e.id,
      active: true,
      filters: {
        groups: [{ properties: [], rollout_percentage: e.traffic * 100 }],
        multivariate: {
          variants: e.variants.map((v) => ({ key: v.id, rollout_percentage: (v.weight / total) * 100 })),
        },
      },
    };
  });
}

/** What the fake PostHog saw. */
export interface Seen {
  readonly requests: { url: string; authorization: string | undefined }[];
  /** Every event of every `/batch` request, in order. */
  readonly events: {
    event: string;
    distinct_id: string;
    properties: Record<string, unknown>;
    timestamp?: string;
    uuid?: string;
  }[];
}

/** posthog-node's `fetch`, answering the definitions endpoint with `flags()` and recording the batches. */
export function fakePostHog(
  flags: () => readonly Flag[],
  groupTypeMapping: Readonly<Record<string, string>> = {},
): { fetch: PostHogFetch; seen: Seen } {
  const seen: Seen = { requests: [], events: [] };
  const fetch = async (url: string, options: { headers?: Record<string, string>; body?: unknown }) => {
    const headers = options.headers ?? {};
    seen.requests.push({ url, authorization: headers.Authorization ?? headers.authorization });
    if (url.includes("/flags/definitions") || url.includes("local_evaluation")) {
      return jsonResponse({ flags: flags(), group_type_mapping: groupTypeMapping, cohorts: {} });
    }
    if (url.includes("/batch")) {
      const body = options.body;
      const bytes =
        typeof body === "string"
          ? Buffer.from(body)
          : body instanceof Uint8Array
            ? Buffer.from(body)
            : Buffer.from(await (body as Blob).arrayBuffer());
      const text =
        bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
      seen.events.push(...(JSON.parse(text) as { batch: Seen["events"] }).batch);
    }
    return jsonResponse({});
  };
  return { fetch: fetch as unknown as PostHogFetch, seen };
}

function jsonResponse(body: unknown) {
  const text = JSON.stringify(body);
  return {
    status: 200,
    text: async () => text,
    json: async () => JSON.parse(text) as unknown,
    headers: { get: (name: string) => (name.toLowerCase() === "content-type" ? "application/json" : null) },
  };
}
