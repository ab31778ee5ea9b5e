import type { PipelineCounters } from "../../source.js";

/** Upper bounds (seconds) of the request latency histogram: 1 ms to 10 s. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

/**
 * The server's counters for `GET /metrics`: requests by route and status, a latency histogram per route,
 * events ingested, and store errors (a store or pipeline failure answered 503). Routes are the declared
 * patterns (`/experiments/:id`), never raw URLs, so a scan of random paths cannot grow the label set.
 */
export class ApiMetrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly ingested = new Map<string, number>();
  private storeErrorCount = 0;

  /** One answered request. `route` is the matched pattern, or "unmatched". */
  request(method: string, route: string, status: number, seconds: number): void {
    const key = `${method}\u0000${route}\u0000${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const hkey = `${method}\u0000${route}`;
    let h = this.latency.get(hkey);
    if (h === undefined) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.latency.set(hkey, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  /** Events an ingest route had stored (new and repeated ids alike). */
  ingest(route: string, events: number): void {
    this.ingested.set(route, (this.ingested.get(route) ?? 0) + events);
  }

  /** A request answered 503 because the store or the pipeline failed (or was full). */
  storeError(): void {
    this.storeErrorCount++;
  }

  /** Store errors so far (for tests and the readiness page). */
  get storeErrors(): number {
    return this.storeErrorCount;
  }

  /** The Prometheus text exposition format, version 0.0.4. */
  render(pipeline: PipelineCounters | undefined): string {
    const out: string[] = [];
    out.push("# HELP assay_http_requests_total HTTP requests answered, by method, route pattern and status.");
    out.push("# TYPE assay_http_requests_total counter");
    for (const [key, n] of this.requests) {
      const [method, route, status] = key.split("\u0000") as [string, string, string];
      out.push(
        `assay_http_requests_total{method="${method}",route="${label(route)}",status="${status}"} ${n}`,
      );
    }
    out.push(
      "# HELP assay_http_request_duration_seconds Time from request to response, by method and route.",
    );
    out.push("# TYPE assay_http_request_duration_seconds histogram");
    for (const [key, h] of this.latency) {
      const [method, route] = key.split("\u0000") as [string, string];
      const labels = `method="${method}",route="${label(route)}"`;
      BUCKETS.forEach((le, i) => {
        out.push(`assay_http_request_duration_seconds_bucket{${labels},le="${le}"} ${h.counts[i]}`);
      });
      out.push(`assay_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      out.push(`assay_http_request_duration_seconds_sum{${labels}} ${h.sum}`);
      out.push(`assay_http_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    out.push("# HELP assay_ingested_events_total Events the ingest routes had stored, by route.");
    out.push("# TYPE assay_ingested_events_total counter");
    for (const [route, n] of this.ingested)
      out.push(`assay_ingested_events_total{route="${label(route)}"} ${n}`);
    out.push(
      "# HELP assay_store_errors_total Requests answered 503 because the event store or its pipeline failed.",
    );
    out.push("# TYPE assay_store_errors_total counter");
    out.push(`assay_store_errors_total ${this.storeErrorCount}`);
    if (pipeline !== undefined) {
      out.push("# HELP assay_pipeline_queue_depth Events accepted by the pipeline and not yet committed.");
      out.push("# TYPE assay_pipeline_queue_depth gauge");
      out.push(`assay_pipeline_queue_depth ${pipeline.pending}`);
      for (const [name, help, value] of [
        ["accepted", "Events accepted by the pipeline.", pipeline.accepted],
        ["committed", "Accepted events the store has taken.", pipeline.committed],
        ["failed", "Accepted events the store did not take within the deadline.", pipeline.failed],
        ["refused", "Events refused at once because the queue was full.", pipeline.refused],
      ] as const) {
        out.push(`# HELP assay_pipeline_${name}_total ${help}`);
        out.push(`# TYPE assay_pipeline_${name}_total counter`);
        out.push(`assay_pipeline_${name}_total ${value}`);
      }
    }
    return `${out.join("\n")}\n`;
  }
}

/** A label value escaped as the exposition format asks (backslash, quote, newline). */
function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
