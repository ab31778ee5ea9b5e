import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * What `assay simulate` wrote into an experiment's store, so that the dashboard can say plainly that the
 * data are simulated, and with which true effects (a reader would otherwise take them for real traffic).
 */
export interface SimulationNote {
  readonly experiment: string;
  readonly seed: string;
  readonly users: number;
  readonly days: number;
  /** The last simulated day, `YYYY-MM-DD`. */
  readonly end: string;
  /** `"checkout +10%"`, `"blue:revenue -3%"`: the true effects built in. */
  readonly effects: readonly string[];
  /** `"treatment -10%"` when a sample-ratio mismatch was built in. */
  readonly srm?: string;
  readonly exposures: number;
  readonly outcomes: number;
  /** When it was written (ISO 8601). */
  readonly writtenAt: string;
}

/** The notes live beside the manifest, in the `.assay` folder of the default store, whatever the store. */
export const SIMULATION_NOTES_FILE = join(".assay", "simulated.json");

/** The notes of the manifest in `dir`, by experiment; none when the file is missing or unreadable. */
export async function readSimulationNotes(dir: string): Promise<ReadonlyMap<string, SimulationNote>> {
  let text: string;
  try {
    text = await readFile(join(dir, SIMULATION_NOTES_FILE), "utf8");
  } catch {
    return new Map();
  }
  const notes = new Map<string, SimulationNote>();
  try {
    const parsed = JSON.parse(text) as { experiments?: Record<string, SimulationNote> };
    for (const [id, note] of Object.entries(parsed.experiments ?? {})) {
      if (isNote(note)) notes.set(id, note);
    }
  } catch {
    // A hand-edited or half-written file: show no note rather than fail the page.
  }
  return notes;
}

/** Records `note` for its experiment (replacing an earlier one), through a temporary file and a rename. */
export async function writeSimulationNote(dir: string, note: SimulationNote): Promise<void> {
  const notes = new Map(await readSimulationNotes(dir));
  notes.set(note.experiment, note);
  const file = join(dir, SIMULATION_NOTES_FILE);
  await mkdir(join(dir, ".assay"), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ experiments: Object.fromEntries(notes) }, null, 2)}\n`);
  await rename(temporary, file);
}

function isNote(value: unknown): value is SimulationNote {
  const note = value as Partial<SimulationNote> | null;
  return (
    typeof note === "object" &&
    note !== null &&
    typeof note.seed === "string" &&
    typeof note.users === "number" &&
    typeof note.days === "number" &&
    typeof note.end === "string" &&
    Array.isArray(note.effects)
  );
}
