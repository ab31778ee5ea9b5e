import type { AssaySnapshot } from "../live/assay-snapshot.js";
import { PropagatedAssignments } from "./propagation.js";

/** What the middleware reads from a version of the manifest. */
export interface Facts {
  /** The declared experiments and variants a received `x-assay-experiments` is checked against. */
  readonly propagated: PropagatedAssignments | undefined;
  /**
   * Whether a cookie visitor's id is also the context's session: only when the version has a session-unit
   * experiment, since a second unit makes every exposure and outcome carry, and the store keep, one more id
   * (+5 % CPU per request in bench/overhead.mjs, measured).
   */
  readonly visitorSessions: boolean;
}

/**
 * The facts of each manifest version, worked out once per version rather than per request. The manifest can
 * be reloaded while requests run (`createAssay({ watch })`), and a request answers from the snapshot it took,
 * so the last two versions are kept: requests still on the old one do not recompute it over and over.
 */
export class ManifestFacts {
  private readonly byVersion = new Map<number, Facts>();
  constructor(private readonly acceptPropagated: boolean) {}

  of(snapshot: AssaySnapshot): Facts {
    const known = this.byVersion.get(snapshot.version);
    if (known !== undefined) return known;
    const experiments = snapshot.experiments();
    const facts: Facts = {
      propagated: this.acceptPropagated ? new PropagatedAssignments(experiments) : undefined,
      visitorSessions: experiments.some((e) => e.unit === "session"),
    };
    if (this.byVersion.size >= 2) this.byVersion.delete(Math.min(...this.byVersion.keys()));
    this.byVersion.set(snapshot.version, facts);
    return facts;
  }
}
