import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryEventStore } from "@assay/core";
import { type Assay, createAssay } from "@assay/runtime";

/** Experiments and flags of every kind the provider serves. */
export const MANIFEST = `[[plugins]]
name = "experiment-hash"
source = "@assay/experiment-hash"

[[plugins.experiments]]
id = "checkout"
variants = [
  { id = "control", weight = 4000, is_control = true },
  { id = "treatment-a", weight = 3000, value = "streamlined-checkout" },
  { id = "treatment-b", weight = 3000, value = "one-page" },
]

[[plugins.experiments]]
id = "plain"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "treatment", weight = 1 }]

[[plugins.experiments]]
id = "layout"
traffic = 0.5
variants = [
  { id = "control", weight = 50, is_control = true, value = { columns = 1, hero = true } },
  { id = "grid", weight = 50, value = { columns = 3, hero = false } },
]

[[plugins.experiments]]
id = "price"
variants = [
  { id = "control", weight = 1, is_control = true, value = 9.99 },
  { id = "cheaper", weight = 1, value = 7.99 },
]

[[plugins.experiments]]
id = "banner"
variants = [
  { id = "control", weight = 1, is_control = true, value = false },
  { id = "shown", weight = 1, value = true },
]

[[plugins.experiments]]
id = "by_session"
unit = "session"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "t", weight = 1 }]

[[plugins.experiments]]
id = "targeted"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "t", weight = 1 }]
targeting = { include = ["plan == pro"] }

[[plugins.experiments]]
id = "switched_off"
enabled = false
variants = [{ id = "control", weight = 1, is_control = true, value = "old" }, { id = "t", weight = 1, value = "new" }]

[[plugins.experiments]]
id = "pinned"
variants = [{ id = "control", weight = 1, is_control = true }, { id = "t", weight = 1 }]
forced = { t = ["qa-alice"] }

[[plugins]]
name = "flags"
source = "@assay/flags-local"

[[plugins.flags]]
key = "new_checkout"
rollout = 0.25

[[plugins.flags]]
key = "everyone"
rollout = 1

[[plugins.flags]]
key = "pro_only"
rollout = 1
targeting = { include = ["plan == pro"] }

[[plugins.flags]]
key = "killed"
enabled = false
rollout = 1

[[plugins.flags]]
key = "copy"
variants = { short = 1, long = 3 }
off = "classic"
rollout = 0.5

[[plugins.flags]]
key = "copy_no_off"
variants = { short = 1 }
rollout = 0.5
`;

/** A client over MANIFEST with an in-memory store the test can read. */
export async function manifestClient(
  manifest = MANIFEST,
): Promise<{ assay: Assay; store: MemoryEventStore; manifestPath: string }> {
  const dir = mkdtempSync(join(tmpdir(), "assay-openfeature-"));
  writeFileSync(join(dir, "assay.toml"), manifest);
  const store = new MemoryEventStore();
  const assay = await createAssay({ manifest: join(dir, "assay.toml"), store, handleSignals: false });
  return { assay, store, manifestPath: join(dir, "assay.toml") };
}
