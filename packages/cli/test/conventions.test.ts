import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../src/catalog/index.js";
import { BIN, cli, MANIFEST, tempDir } from "./helpers.js";

const VERSION = (
  JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as {
    version: string;
  }
).version;

describe("assay's command-line conventions", () => {
  it("prints every command's help for <command> --help, -h and help <command>, with the exit codes", () => {
    const names = Object.keys(COMMANDS);
    expect(names).toEqual(expect.arrayContaining(["validate", "assign", "flag", "results", "import"]));
    for (const name of names) {
      const help = cli([name, "--help"]);
      expect(help.code, name).toBe(0);
      expect(help.stdout.startsWith(`usage: assay ${name}`), help.stdout).toBe(true);
      expect(help.stdout).toContain("3  failure");
      expect(help.stderr).toBe("");
      // --help after other arguments still wins, and no manifest is read for it
      expect(cli([name, "whatever", "-h"], { cwd: tempDir({}) }).stdout).toBe(help.stdout);
      expect(cli(["help", name]).stdout).toBe(help.stdout);
    }
  });

  it("lists the commands, how to run them with npm and the exit codes in assay --help", () => {
    const help = cli(["--help"]);
    expect(help.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    expect(help.stdout).toContain("npm run assay -- <command>");
    expect(help.stdout).toMatch(/0 {2}ok\n {2}1 {2}findings.*\n {2}2 {2}usage error.*\n {2}3 {2}failure/);
    expect(cli(["help"]).stdout).toBe(help.stdout);
    // no command at all is a usage error: the help goes to stderr, exit 2
    const bare = cli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toBe(help.stdout);
  });

  it("runs from the repository with npm alone: npm run assay -- <command>", () => {
    const root = join(import.meta.dirname, "..", "..", "..");
    const npm = spawnSync("npm", ["run", "-s", "assay", "--", "asign"], { cwd: root, encoding: "utf8" });
    expect(npm.status).toBe(2);
    expect(npm.stderr).toContain('did you mean "assign"?');
    const version = spawnSync("npm", ["run", "-s", "assay", "--", "--version"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(version.stdout).toBe(`${VERSION}\n`);
  });

  it("prints the package's version for -v and --version", () => {
    for (const flag of ["-v", "--version"]) {
      const result = cli([flag]);
      expect(result).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    }
  });

  it("suggests the command or flag meant, with exit 2", () => {
    const command = cli(["asign", "checkout_button_color", "--user", "u"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "asign"; did you mean "assign"?');
    expect(cli(["help", "reslts"]).stderr).toContain('did you mean "results"?');
    const nothingClose = cli(["frobnicate"]);
    expect(nothingClose.code).toBe(2);
    expect(nothingClose.stderr).not.toContain("did you mean");
    expect(nothingClose.stderr).toContain(`commands: ${Object.keys(COMMANDS).join(", ")}`);

    const dir = tempDir({ "assay.toml": MANIFEST });
    const flag = cli(["assign", "checkout_button_color", "--usr", "u"], { cwd: dir });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option --usr; did you mean --user?");
    expect(cli(["flag", "copy", "--sesion=s"], { cwd: dir }).stderr).toContain("did you mean --session?");
  });

  it("reads the ids from stdin for --users -", () => {
    const dir = tempDir({ "assay.toml": MANIFEST, "ids.txt": "alice\nbob\r\n\ncarol\n" });
    const fromFile = cli(["assign", "pricing_page", "--users", "ids.txt"], { cwd: dir });
    const fromStdin = cli(["assign", "pricing_page", "--users", "-"], {
      cwd: dir,
      input: "alice\nbob\r\n\ncarol\n",
    });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout.split("\n").filter(Boolean)).toHaveLength(3);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    const sessions = cli(["assign", "banner", "--sessions", "-"], { cwd: dir, input: "s1\ns2\n" });
    expect(sessions.stdout).toContain('"unit":"s2"');
  });

  it("exits 0 without a word when the reader of its output goes away (| head)", async () => {
    const ids = Array.from({ length: 200_000 }, (_, i) => `user-${i}`).join("\n");
    const dir = tempDir({ "assay.toml": MANIFEST });
    writeFileSync(join(dir, "ids.txt"), ids);
    const child = spawn(process.execPath, [BIN, "assign", "checkout_button_color", "--users", "ids.txt"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // like head -1: read the first line, then close the pipe while the command is still writing
    const first = await new Promise<string>((resolve) => {
      child.stdout.once("data", (chunk: Buffer) => {
        child.stdout.destroy();
        resolve(chunk.toString().split("\n")[0]!);
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(JSON.parse(first)).toMatchObject({ unit: "user-0", experiment: "checkout_button_color" });
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
