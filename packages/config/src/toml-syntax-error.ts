import type { TomlError } from "smol-toml";
import type { ManifestIssue } from "./issue.js";

/**
 * The issue of a TOML syntax error, in words a person recognises. smol-toml reports a string whose line ends
 * before its closing quote as "control characters are not allowed in strings" (the newline is the control
 * character) at the end of the line; that is an unterminated string, and the place to look is its opening
 * quote, so the issue says so there. Other errors keep smol-toml's words and position.
 */
export function tomlSyntaxIssue(source: string, file: string, error: TomlError): ManifestIssue {
  const lineText = source.split("\n")[error.line - 1] ?? "";
  const at = lineText.replace(/\r$/, "");
  const summary = firstLine(error);
  if (/control characters are not allowed/.test(summary) && error.column - 1 >= at.length) {
    const open = openStringStart(at);
    const quote = open === undefined ? '"' : at[open]!;
    return {
      file,
      line: error.line,
      column: open === undefined ? error.column : open + 1,
      key: "",
      message: `TOML syntax error: unterminated string: the line ends before the closing ${quote} (a ${quote}...${quote} string ends on its line; for several lines use ${quote.repeat(3)}...${quote.repeat(3)})`,
    };
  }
  if (/unfinished string/.test(summary)) {
    return {
      file,
      line: error.line,
      column: error.column,
      key: "",
      message: "TOML syntax error: unterminated string: no closing quotes before the end of the file",
    };
  }
  return {
    file,
    line: error.line,
    column: error.column,
    key: "",
    message: `TOML syntax error: ${summary}`,
  };
}

/** smol-toml's message is "Invalid TOML document: <what>" followed by a code excerpt; keep the <what>. */
function firstLine(error: TomlError): string {
  const first = error.message.split("\n", 1)[0] ?? "";
  return first.replace(/^Invalid TOML document:\s*/, "") || "invalid TOML";
}

/** The index of the quote that opens a string still open at the end of `line`, or undefined. */
function openStringStart(line: string): number | undefined {
  let open: number | undefined;
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (open === undefined) {
      if (c === "#") return undefined;
      if (c === '"' || c === "'") {
        open = i;
        quote = c;
      }
    } else if (quote === '"' && c === "\\") {
      i++;
    } else if (c === quote) {
      open = undefined;
    }
  }
  return open;
}
