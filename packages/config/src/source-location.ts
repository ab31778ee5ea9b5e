/** A 1-based line and column in the manifest file. */
export interface SourceLocation {
  readonly line: number;
  readonly column: number;
}

/** The start of the file: where issues about the document as a whole are reported. */
export const START_OF_FILE: SourceLocation = Object.freeze({ line: 1, column: 1 });
