import { markDurableStep } from "../engine/variant-scope.js";

/** A view of the SDK's step tools that marks the enclosing variant as durable whenever a tool is called. */
export function trackSteps<S extends object>(step: S): S {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(step, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value === "function") {
        if (!cache.has(property)) {
          const tool = value as (...args: unknown[]) => unknown;
          const wrapped = Object.assign(function (this: unknown, ...args: unknown[]) {
            markDurableStep();
            return tool.apply(target, args);
          }, tool);
          cache.set(property, wrapped);
        }
        return cache.get(property);
      }
      if (typeof value === "object" && value !== null && typeof property === "string") {
        if (!cache.has(property)) cache.set(property, trackSteps(value));
        return cache.get(property);
      }
      return value;
    },
  });
}
