import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteMemoStore } from "../src/memo/sqlite-memo-store.js";

const FIXTURE = join(import.meta.dirname, "fixtures", "race-attempt.mjs");
const DIST = join(import.meta.dirname, "..", "dist", "index.js");
const dir = mkdtempSync(join(tmpdir(), "assay-steps-race-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One attempt in its own process, with its stdout read line by line. */
function attempt(memoPath: string, logPath: string, runId: string, pick: string, mode: "crash" | "finish") {
  const child = spawn(process.execPath, [FIXTURE, memoPath, logPath, runId, pick, mode], {
    cwd: join(import.meta.dirname, ".."),
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child: child as ChildProcessWithoutNullStreams,
    async next(): Promise<string> {
      const line = await lines.next();
      if (line.done) throw new Error(`attempt ${pick} exited early: ${stderr}`);
      return line.value;
    },
    exited,
    stderr: () => stderr,
  };
}

type Logged = { type: string; variantId?: string; variant?: string; userId?: string; pid: number };

function logged(logPath: string): Logged[] {
  if (!existsSync(logPath)) return [];
  return readFileSync(logPath, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Logged);
}

describe("plain Node: exposure after the durable selection, under a race and a SIGKILL between the steps", () => {
  it.each([0, 1, 2, 3])(
    "two attempts with a non-deterministic selector race, one is killed after memoizing; round %i",
    async (round) => {
      expect(existsSync(DIST), "build the package first (npx tsc -p tsconfig.build.json)").toBe(true);
      const memoPath = join(dir, `memo-${round}.db`);
      const logPath = join(dir, `events-${round}.jsonl`);
      const runId = `run-${round}`;
      // Rounds alternate which attempt is killed, and which one reaches the memo store first.
      const crashing = round % 2 === 0 ? "a" : "b";
      const a = attempt(memoPath, logPath, runId, "a", crashing === "a" ? "crash" : "finish");
      const b = attempt(memoPath, logPath, runId, "b", crashing === "b" ? "crash" : "finish");
      // Both have selected (differently) before either memoizes: the race the memo store must settle.
      expect(await a.next()).toBe("selected");
      expect(await b.next()).toBe("selected");
      const [first, second] = round < 2 ? [a, b] : [b, a];
      first.child.stdin.write("go\n");
      await new Promise((r) => setTimeout(r, 50));
      second.child.stdin.write("go\n");

      const victim = crashing === "a" ? a : b;
      const survivor = crashing === "a" ? b : a;
      expect(await victim.next()).toBe("memoized");
      victim.child.kill("SIGKILL");
      expect((await victim.exited).signal).toBe("SIGKILL");
      const survived = await survivor.next();
      expect((await survivor.exited).code, survivor.stderr()).toBe(0);

      // The retry of the run: its selector would say "c"; it must neither re-select nor re-expose nor re-run.
      const retry = attempt(memoPath, logPath, runId, "c", "finish");
      const retried = await retry.next();
      expect((await retry.exited).code, retry.stderr()).toBe(0);

      const memo = new SqliteMemoStore({ path: memoPath });
      const memoized = await memo.get(runId, "checkout");
      await memo.close();
      expect(["a", "b"]).toContain(memoized);
      expect(survived).toBe(`done ${memoized}`);
      expect(retried).toBe(`done ${memoized}`);

      const events = logged(logPath);
      const exposures = events.filter((e) => e.type === "exposure");
      const executed = events.filter((e) => e.type === "executed");
      expect(exposures.map((e) => [e.variantId, e.userId])).toEqual([[memoized, runId]]);
      expect(executed.map((e) => e.variant)).toEqual([memoized]);
      // Nothing the killed attempt did is an exposure or an execution.
      expect(events.filter((e) => e.pid === victim.child.pid)).toEqual([]);
    },
    20_000,
  );
});
