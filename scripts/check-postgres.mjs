// Runs before the tests: several packages test against a real PostgreSQL server, and without one they would
// each fail with a connection error deep in their output. This says it once, up front, with what to do.
import { Socket } from "node:net";

const url = process.env.ASSAY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
let target;
try {
  const parsed = new URL(url);
  target = { host: parsed.hostname || "127.0.0.1", port: Number(parsed.port || 5432) };
} catch {
  console.error(`ASSAY_TEST_POSTGRES_URL is not a URL (got ${JSON.stringify(url)}).`);
  process.exit(1);
}

const reachable = await new Promise((resolve) => {
  const socket = new Socket();
  const done = (ok) => {
    socket.destroy();
    resolve(ok);
  };
  socket.setTimeout(5000, () => done(false));
  socket.once("error", () => done(false));
  socket.connect(target.port, target.host, () => done(true));
});

if (!reachable) {
  console.error(
    [
      `The tests need PostgreSQL, and nothing answers at ${target.host}:${target.port}.`,
      "Start a local server (Debian: pg_ctlcluster <version> main start; macOS: brew services start postgresql),",
      "or point ASSAY_TEST_POSTGRES_URL at one, e.g. ASSAY_TEST_POSTGRES_URL=postgres://user@host:5432/db npm test",
    ].join("\n"),
  );
  process.exit(1);
}
