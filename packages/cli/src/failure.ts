/**
 * One line for an unexpected error (exit 3): a dead database, a failing backend, a bug. Node's network errors
 * can have an empty message (an AggregateError of every address tried), so the code and the first inner
 * error stand in for it; a cause is appended, since stores wrap the driver's error.
 */
export function describeFailure(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 4; depth++) {
    const text = oneError(current);
    if (text !== "" && !parts.some((p) => p.includes(text))) parts.push(text);
    current = current instanceof Error ? current.cause : undefined;
  }
  const described = parts.join(": ") || String(error);
  return `${described} (set ASSAY_DEBUG=1 for the stack)`;
}

function oneError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (error.message !== "") return error.message;
  if (error instanceof AggregateError && error.errors.length > 0) return oneError(error.errors[0]);
  return code ?? error.name;
}
