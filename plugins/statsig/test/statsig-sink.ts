import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { gunzipSync } from "node:zlib";
import { decompress } from "fzstd";

/** One event as the SDK posts it to `/v1/log_event`. */
export interface LoggedEvent {
  readonly eventName: string;
  readonly value: string | number | null;
  readonly metadata: Record<string, string> | null;
  readonly user: { userID?: string; customIDs?: Record<string, string>; custom?: Record<string, string> };
}

/**
 * A loopback Statsig (127.0.0.1, port 0): serves `download_config_specs` from `specs()` and keeps every event
 * the SDK posts, decoded as the SDK encodes them (zstd by default, gzip when the specs ask for it).
 */
export interface StatsigSink {
  readonly url: string;
  readonly logEventUrl: string;
  readonly specsUrl: string;
  readonly events: LoggedEvent[];
  readonly specRequests: string[];
  /** Requests the SDK tried to send elsewhere than loopback (caught by the proxy settings, never sent). */
  readonly escapes: string[];
  specs: () => unknown;
  close(): Promise<void>;
}

export async function startSink(specs: () => unknown = () => ({})): Promise<StatsigSink> {
  const events: LoggedEvent[] = [];
  const specRequests: string[] = [];
  const escapes: string[] = [];
  const sink = { events, specRequests, escapes, specs } as {
    -readonly [K in keyof StatsigSink]: StatsigSink[K];
  };
  const server: Server = createServer((req, res) => {
    void body(req).then((bytes) => {
      if (req.url?.startsWith("http")) {
        escapes.push(req.url);
        res.statusCode = 502;
        res.end();
        return;
      }
      if (req.url?.startsWith("/v2/download_config_specs")) {
        specRequests.push(req.url);
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(sink.specs()));
        return;
      }
      if (req.url?.startsWith("/v1/log_event")) {
        const encoding = req.headers["content-encoding"];
        const text =
          encoding === "zstd"
            ? Buffer.from(decompress(bytes)).toString("utf8")
            : encoding === "gzip"
              ? gunzipSync(bytes).toString("utf8")
              : bytes.toString("utf8");
        events.push(...(JSON.parse(text) as { events: LoggedEvent[] }).events);
      }
      res.statusCode = 202;
      res.setHeader("content-type", "application/json");
      res.end('{"success":true}');
    });
  });
  // an HTTPS request through the proxy: note where it was going and refuse it
  server.on("connect", (req: IncomingMessage, socket: Duplex) => {
    escapes.push(req.url ?? "");
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The SDK's HTTP client (reqwest) honours the proxy variables: anything not bound for loopback (its error
  // reports to statsigapi.net, say) reaches this server instead of the network.
  process.env.HTTPS_PROXY = url;
  process.env.HTTP_PROXY = url;
  process.env.NO_PROXY = "127.0.0.1,localhost";
  sink.url = url;
  sink.logEventUrl = `${url}/v1/log_event`;
  sink.specsUrl = `${url}/v2/download_config_specs`;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The exposure events the SDK logged for `experiment` (its `statsig::config_exposure`). */
export function exposuresOf(sink: StatsigSink, experiment: string): LoggedEvent[] {
  return sink.events.filter(
    (e) => e.eventName === "statsig::config_exposure" && e.metadata?.config === experiment,
  );
}

/** Closes the sink after checking that nothing the SDK sent was bound for anywhere but loopback. */
export async function closeOffline(sink: StatsigSink): Promise<void> {
  await sink.close();
  if (sink.escapes.length > 0) {
    throw new Error(`the SDK tried to reach the network: ${sink.escapes.join(", ")}`);
  }
}
