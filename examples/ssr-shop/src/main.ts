import { dirname, join, resolve } from "node:path";
import { createAssay } from "@assay/runtime";
import { seedDemoWeek } from "./seed.js";
import { buildServer } from "./server.js";

// The manifest sits beside package.json; ASSAY_MANIFEST points elsewhere (to try another backend).
const manifest = process.env.ASSAY_MANIFEST ?? join(import.meta.dirname, "..", "assay.toml");
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

// Ctrl-C is how a person stops the demo, so it is a normal end (exit 0) once the server is closed and pending
// events are flushed, not the signal's 130.
const assay = await createAssay({ manifest, handleSignals: false });
// The demo serves plain http, where browsers drop a Secure cookie; ASSAY_COOKIE_SECRET keeps visitors' ids
// across restarts (without it each start signs with a new random secret).
const secret = process.env.ASSAY_COOKIE_SECRET;
const manifestDir = dirname(resolve(manifest));
// A first start finds an empty store: a simulated week is written so the results page means something at
// once (marked as simulated there). ASSAY_DEMO_SEED=0 starts empty instead.
const seeded = process.env.ASSAY_DEMO_SEED === "0" ? undefined : await seedDemoWeek(assay, manifestDir);
const app = buildServer(assay, {
  manifestDir,
  secureCookie: false,
  ...(secret !== undefined ? { cookieSecret: secret } : {}),
});
let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping: closing the server and flushing events...");
  app
    .close()
    .then(() => assay.close())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("the demo did not stop cleanly:", error);
        process.exit(1);
      },
    );
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, stop);
// In a terminal, Ctrl-C would also signal `npm run demo` itself, and npm then exits 130 whatever the demo
// does. Read Ctrl-C (and Ctrl-D) as keys instead: only the demo sees them, and npm reports its exit 0.
if (process.stdin.isTTY) {
  process.stdin.setRawMode(true);
  process.stdin.on("data", (keys: Buffer) => {
    if (keys.includes(0x03) || keys.includes(0x04)) stop();
  });
}

try {
  await app.listen({ port, host });
} catch (error) {
  // Port 3000 taken by something else: take any free port rather than fail the demo, unless PORT was explicit.
  if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || process.env.PORT !== undefined) throw error;
  await app.listen({ port: 0, host });
}
const url = `http://${host}:${(app.server.address() as { port: number }).port}/`;
// The URL comes last, so it is the line left on screen after the build's output.
console.log(`manifest: ${manifest} (events in the ${assay.store.name} store)`);
if (seeded !== undefined) {
  const { spec, counts } = seeded;
  console.log(
    `seeded:   a simulated week (${spec.users.toLocaleString("en-US")} visitors, ${counts.exposures.toLocaleString("en-US")} exposures, true effect ${seeded.effects.join(", ")}; marked as simulated on the results page; ASSAY_DEMO_SEED=0 starts empty)`,
  );
}
console.log(`results:  ${url}results (Assay's results dashboard)`);
console.log("Ctrl-C stops it; pending events are flushed first.");
console.log(`\nAssay demo shop: ${url}`);
