import { type AST, parseTOML } from "toml-eslint-parser";
import type { ManifestPath } from "../path.js";
import type { SourceLocation } from "../source-location.js";
import { Locator } from "./locator.js";

/**
 * Builds a {@link Locator} for a TOML document from toml-eslint-parser's AST. smol-toml stays the source of
 * truth for values; this parse only finds where keys and values are written. When it cannot parse a
 * document smol-toml accepted, every lookup falls back to the start of the file rather than failing.
 */
export function indexSource(text: string): Locator {
  const locator = new Locator();
  let program: AST.TOMLProgram;
  try {
    program = parseTOML(text, { tomlVersion: "1.1" });
  } catch {
    return locator;
  }
  const top = program.body[0];
  for (const node of top.body) {
    if (node.type === "TOMLKeyValue") addKeyValue(locator, node, []);
    else addTable(locator, node);
  }
  return locator;
}

function addTable(locator: Locator, table: AST.TOMLTable): void {
  const header = start(table);
  // resolvedKey interleaves the header's keys with array-of-tables indexes: ["plugins", 0, "experiments", 1].
  const keys = table.key.keys;
  let keyIndex = 0;
  const resolved = table.resolvedKey;
  for (let i = 0; i < resolved.length; i++) {
    const segment = resolved[i]!;
    const prefix = resolved.slice(0, i + 1);
    const keyNode = typeof segment === "string" ? keys[keyIndex] : undefined;
    const key = keyNode ? start(keyNode) : header;
    // The table itself is at its header; the keys leading to it at their own segment of the header.
    locator.add(prefix, i === resolved.length - 1 ? { key, value: header } : { key, value: key });
    if (typeof segment === "string") keyIndex++;
  }
  for (const keyValue of table.body) addKeyValue(locator, keyValue, resolved);
}

function addKeyValue(locator: Locator, keyValue: AST.TOMLKeyValue, base: ManifestPath): void {
  let path: ManifestPath = base;
  const keys = keyValue.key.keys;
  const value = start(keyValue.value);
  keys.forEach((keyNode, i) => {
    path = [...path, keyName(keyNode)];
    const key = start(keyNode);
    // Dotted keys (`a.b.c = 1`) define the intermediate tables `a` and `a.b` at their own segment.
    locator.add(path, i === keys.length - 1 ? { key, value } : { key, value: key });
  });
  addValue(locator, keyValue.value, path);
}

function addValue(locator: Locator, node: AST.TOMLContentNode, path: ManifestPath): void {
  if (node.type === "TOMLInlineTable") {
    for (const keyValue of node.body) addKeyValue(locator, keyValue, path);
  } else if (node.type === "TOMLArray") {
    node.elements.forEach((element, index) => {
      const elementPath = [...path, index];
      const at = start(element);
      locator.add(elementPath, { key: at, value: at });
      addValue(locator, element, elementPath);
    });
  }
}

function keyName(node: AST.TOMLBare | AST.TOMLQuoted): string {
  return node.type === "TOMLBare" ? node.name : node.value;
}

/** toml-eslint-parser columns are 0-based; issues use 1-based columns. */
function start(node: AST.TOMLNode): SourceLocation {
  return { line: node.loc.start.line, column: node.loc.start.column + 1 };
}
