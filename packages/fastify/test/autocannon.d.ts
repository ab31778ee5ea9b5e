// The few parts of autocannon 9 the load test uses (the package ships no types).
declare module "autocannon" {
  interface RequestParams {
    headers?: Record<string, string>;
    [key: string]: unknown;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    requests?: ReadonlyArray<{
      setupRequest?: (request: RequestParams) => RequestParams;
      onResponse?: (status: number, body: string) => void;
    }>;
  }
  interface Result {
    errors: number;
    timeouts: number;
    non2xx: number;
    requests: { total: number; average: number };
  }
  export default function autocannon(options: Options): Promise<Result>;
}
