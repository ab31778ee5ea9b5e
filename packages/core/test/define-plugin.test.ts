import { describe, expect, it } from "vitest";
import { definePlugin, isPluginDefinition, MemoryEventStore } from "../src/index.js";

describe("definePlugin", () => {
  it("fills in kind, so a declaration without it is a plugin the runtime accepts", () => {
    const declaration = { provides: ["events"] as const, createEventStore: () => new MemoryEventStore() };
    expect(isPluginDefinition(declaration)).toBe(false);
    const plugin = definePlugin(declaration);
    expect(plugin.kind).toBe("assay-plugin");
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.provides).toEqual(["events"]);
    expect(plugin.createEventStore()).toBeInstanceOf(MemoryEventStore);
  });

  it("accepts an explicit kind, and keeps the methods of a class instance", () => {
    expect(definePlugin({ kind: "assay-plugin", provides: ["flags"] }).kind).toBe("assay-plugin");
    class Declared {
      readonly provides = ["events"] as const;
      createEventStore() {
        return new MemoryEventStore();
      }
    }
    const plugin = definePlugin(new Declared());
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.createEventStore()).toBeInstanceOf(MemoryEventStore);
  });
});
