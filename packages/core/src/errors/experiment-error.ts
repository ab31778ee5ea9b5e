/** Machine-readable error codes, each with the HTTP status a service would answer with. */
export const ExperimentErrorStatus = {
  EXPERIMENT_NOT_FOUND: 404,
  INVALID_CONTEXT: 400,
  BACKEND: 500,
} as const;

export type ExperimentErrorCode = keyof typeof ExperimentErrorStatus;
export type ExperimentErrorHttpStatus = (typeof ExperimentErrorStatus)[ExperimentErrorCode];

/**
 * The one error type every Assay entry point throws for a problem of the caller's data or of a backend.
 * Subclasses exist per code so that `instanceof` and `code` agree; `status` is the HTTP status a service
 * built on Assay would answer with.
 */
export class ExperimentError extends Error {
  readonly code: ExperimentErrorCode;
  readonly status: ExperimentErrorHttpStatus;

  constructor(code: ExperimentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ExperimentError";
    this.code = code;
    this.status = ExperimentErrorStatus[code];
  }

  /** True when `error` is an ExperimentError (optionally of the given code), across package copies too. */
  static is(error: unknown, code?: ExperimentErrorCode): error is ExperimentError {
    if (!(error instanceof Error)) return false;
    const candidate = error as Partial<ExperimentError>;
    if (typeof candidate.code !== "string" || !(candidate.code in ExperimentErrorStatus)) return false;
    return code === undefined || candidate.code === code;
  }
}

/** The experiment id is not declared by any loaded backend. HTTP 404. */
export class ExperimentNotFoundError extends ExperimentError {
  readonly experiment: string;
  constructor(experiment: string, message?: string) {
    super("EXPERIMENT_NOT_FOUND", message ?? `experiment ${JSON.stringify(experiment)} is not declared`);
    this.name = "ExperimentNotFoundError";
    this.experiment = experiment;
  }
}

/** The caller passed something unusable: wrong types, an empty id, a non-finite value. HTTP 400. */
export class InvalidContextError extends ExperimentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_CONTEXT", message, options);
    this.name = "InvalidContextError";
  }
}

/** A backend (SDK, store, network) failed. HTTP 500. The original error is in `cause`. */
export class BackendError extends ExperimentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("BACKEND", message, options);
    this.name = "BackendError";
  }
}
