import { InvalidContextError } from "../errors/experiment-error.js";

/**
 * Who is being assigned. `userId` is the default randomization unit; `sessionId` serves anonymous
 * visitors (experiments with `unit = "session"`); `attributes` carry targeting data and the keys of
 * cluster-randomized experiments (`unit = "account"`).
 */
export interface ExperimentContext {
  readonly userId?: string;
  readonly sessionId?: string;
  readonly attributes: Readonly<Record<string, string>>;
}

const EMPTY_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

/**
 * An immutable ExperimentContext with fluent helpers. Every `with*` call returns a new context and
 * leaves the receiver untouched, so a base context can be shared between requests.
 */
export class ContextBuilder implements ExperimentContext {
  readonly userId?: string;
  readonly sessionId?: string;
  readonly attributes: Readonly<Record<string, string>>;

  private constructor(
    userId: string | undefined,
    sessionId: string | undefined,
    attributes: Readonly<Record<string, string>>,
  ) {
    if (userId !== undefined) this.userId = userId;
    if (sessionId !== undefined) this.sessionId = sessionId;
    this.attributes = attributes;
    Object.freeze(this);
  }

  /** @internal use ExperimentContext.forUser / anonymous / from. */
  static create(
    userId: string | undefined,
    sessionId: string | undefined,
    attributes: Readonly<Record<string, string>>,
  ): ContextBuilder {
    return new ContextBuilder(userId, sessionId, attributes);
  }

  /** A copy with one more attribute (or a replaced one). */
  withAttribute(key: string, value: string): ContextBuilder {
    requireNonEmptyString(key, "attribute name");
    requireString(value, `attribute ${JSON.stringify(key)}`);
    return new ContextBuilder(
      this.userId,
      this.sessionId,
      Object.freeze({ ...this.attributes, [key]: value }),
    );
  }

  /** A copy with several attributes merged in. */
  withAttributes(attributes: Readonly<Record<string, string>>): ContextBuilder {
    const merged = { ...this.attributes, ...validateAttributes(attributes) };
    return new ContextBuilder(this.userId, this.sessionId, Object.freeze(merged));
  }

  /** A copy that also carries a session id (kept beside the user id, used by session-unit experiments). */
  withSession(sessionId: string): ContextBuilder {
    requireNonEmptyString(sessionId, "sessionId");
    return new ContextBuilder(this.userId, sessionId, this.attributes);
  }
}

/** Builders for contexts, in the spirit of `ExperimentContext::for_user("alice").with_attribute(...)`. */
export const ExperimentContext = {
  /** A context for a signed-in user. Throws INVALID_CONTEXT for an empty or non-string id. */
  forUser(userId: string): ContextBuilder {
    requireNonEmptyString(userId, "userId");
    return ContextBuilder.create(userId, undefined, EMPTY_ATTRIBUTES);
  },
  /** A context for an anonymous visitor, optionally keyed by a session id. */
  anonymous(options: { sessionId?: string } = {}): ContextBuilder {
    if (options.sessionId !== undefined) requireNonEmptyString(options.sessionId, "sessionId");
    return ContextBuilder.create(undefined, options.sessionId, EMPTY_ATTRIBUTES);
  },
  /** Validates a plain object (from JSON, a request) and returns it as an immutable context. */
  from(input: unknown): ContextBuilder {
    const ctx = validateContext(input);
    return ContextBuilder.create(ctx.userId, ctx.sessionId, Object.freeze({ ...ctx.attributes }));
  },
};

/**
 * Checks that `input` is a usable ExperimentContext and returns it unchanged. Cheap enough for the
 * assignment hot path: a few `typeof` checks, no copies. Attributes are checked by `validateAttributes`
 * only when a caller builds a context; `assign` reads only the attribute it hashes.
 */
export function validateContext(input: unknown): ExperimentContext {
  if (typeof input !== "object" || input === null) {
    throw new InvalidContextError(
      `context must be an object with userId, sessionId and attributes, got ${describe(input)}`,
    );
  }
  const ctx = input as { userId?: unknown; sessionId?: unknown; attributes?: unknown };
  if (ctx.userId !== undefined) requireNonEmptyString(ctx.userId, "userId");
  if (ctx.sessionId !== undefined) requireNonEmptyString(ctx.sessionId, "sessionId");
  if (ctx.attributes === undefined) {
    throw new InvalidContextError("context.attributes is missing; use {} when there are none");
  }
  validateAttributes(ctx.attributes);
  return input as ExperimentContext;
}

/** Checks that every attribute value is a string; returns the object unchanged. */
export function validateAttributes(attributes: unknown): Readonly<Record<string, string>> {
  if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
    throw new InvalidContextError(
      `context.attributes must be an object of strings, got ${describe(attributes)}`,
    );
  }
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value !== "string") {
      throw new InvalidContextError(`context.attributes.${key} must be a string, got ${describe(value)}`);
    }
  }
  return attributes as Readonly<Record<string, string>>;
}

function requireString(value: unknown, what: string): asserts value is string {
  if (typeof value !== "string")
    throw new InvalidContextError(`${what} must be a string, got ${describe(value)}`);
}

function requireNonEmptyString(value: unknown, what: string): asserts value is string {
  requireString(value, what);
  if (value.length === 0) throw new InvalidContextError(`${what} must not be empty`);
}

/** A short, safe description of a bad value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : `number ${value}`;
  if (typeof value === "string")
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
