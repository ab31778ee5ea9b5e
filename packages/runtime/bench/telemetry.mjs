// What tracing costs assign: the same experiment without any OpenTelemetry SDK (the client reads one field),
// then with an SDK registered but no active span (one context lookup per call). Run: node bench/telemetry.mjs
// (after a build). Each case is measured with a client created in that state.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { createAssay } from "@assay/runtime";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";

const EXPERIMENT = "checkout_button_color";
const dir = mkdtempSync(join(tmpdir(), "assay-ab-"));
writeFileSync(
  join(dir, "assay.toml"),
  `[[plugins]]\nname = "experiment-hash"\nsource = "@assay/experiment-hash"\n\n[[plugins.experiments]]\nid = "${EXPERIMENT}"\nvariants = [{ id = "control", weight = 50, is_control = true }, { id = "treatment", weight = 50 }]\n`,
);
const IDS = 1 << 16;
const contexts = Array.from({ length: IDS }, (_, i) => ({
  userId: `user-${(i * 2654435761) >>> 0}`,
  attributes: {},
}));
const SRC = `let ops=0,sink=0;const start=process.hrtime.bigint();const deadline=start+BigInt(Math.round(seconds*1e9));let now=start,i=0;
while(now<deadline){for(let j=0;j<8192;j++){sink+=step(i);i=(i+1)&mask;}ops+=8192;now=process.hrtime.bigint();}
if(sink===-1)console.log("x");return ops/(Number(now-start)/1e9);`;
const measurer = (step) => {
  const loop = new Function("step", "mask", "seconds", "process", SRC);
  return () => loop(step, IDS - 1, 1, process);
};
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const run = async (label) => {
  const assay = await createAssay({
    manifest: join(dir, "assay.toml"),
    store: new MemoryEventStore(),
    handleSignals: false,
  });
  const m = measurer((i) => (assay.assign(EXPERIMENT, contexts[i]).isControl ? 0 : 1));
  m();
  const r = [];
  for (let k = 0; k < 5; k++) r.push(m());
  console.log(`${label.padEnd(40)} ${(med(r) / 1e6).toFixed(2)} M/s`);
  await assay.close();
};
await run("no OpenTelemetry SDK");
trace.setGlobalTracerProvider(new BasicTracerProvider());
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
await run("SDK registered, no active span");
