import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The folder of the PostgreSQL server binaries (`initdb`, `pg_ctl`, `postgres`, `psql`): `ASSAY_PG_BIN`,
 * else the newest `/usr/lib/postgresql/<version>/bin` holding an `initdb`; undefined when there is none.
 */
export function findPostgresBin(): string | undefined {
  const fromEnv = process.env.ASSAY_PG_BIN;
  if (fromEnv !== undefined && existsSync(join(fromEnv, "initdb"))) return fromEnv;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], "bin");
}

/** Thrown when no PostgreSQL server binaries are installed (see findPostgresBin). */
export class PostgresBinariesMissingError extends Error {
  constructor() {
    super(
      "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb, ASSAY_PG_BIN unset): install the postgresql package",
    );
    this.name = "PostgresBinariesMissingError";
  }
}

/**
 * A throw-away PostgreSQL server of a test's own (initdb into a temp folder, a free loopback port, trust
 * auth), so a fault test can kill, restart and lock it without touching a shared server. As root the server
 * runs as the `postgres` user (PostgreSQL refuses to run as root). `fsync = off`: a kill -9 of the server
 * loses nothing the OS has (the tests never crash the OS), and it spares the machine's disk.
 */
export class PostgresCluster {
  private constructor(
    private readonly bin: string,
    /** The data folder (inside `root`). */
    readonly dataDir: string,
    private readonly root: string,
    /** The loopback port it listens on. */
    readonly port: number,
    private readonly owner: { uid: number; gid: number } | undefined,
  ) {}

  /** initdb + start; the server accepts connections when this resolves. */
  static async start(): Promise<PostgresCluster> {
    const bin = findPostgresBin();
    if (bin === undefined) throw new PostgresBinariesMissingError();
    const root = mkdtempSync(join(tmpdir(), "assay-pg-"));
    const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
    if (owner !== undefined) chownSync(root, owner.uid, owner.gid);
    const dataDir = join(root, "data");
    const cluster = new PostgresCluster(bin, dataDir, root, await freePort(), owner);
    await cluster.run("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
    await cluster.startServer();
    return cluster;
  }

  /** A connection URL for `database` (default "postgres"), with `application_name` when given. */
  url(database = "postgres", applicationName?: string): string {
    const query =
      applicationName === undefined ? "" : `?application_name=${encodeURIComponent(applicationName)}`;
    return `postgres://postgres@127.0.0.1:${this.port}/${database}${query}`;
  }

  /** Starts the server (after initdb, a stop or a kill); resolves once it accepts connections. */
  async startServer(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      "-c listen_addresses=127.0.0.1",
      `-c unix_socket_directories=${this.root}`,
      "-c fsync=off",
      "-c max_connections=50",
      "-c shared_buffers=32MB",
    ].join(" ");
    // After a kill -9 the old backends may still be exiting; the start fails until they are gone.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.run("pg_ctl", [
          "start",
          "-w",
          "-t",
          "30",
          "-D",
          this.dataDir,
          "-l",
          join(this.root, "log"),
          "-o",
          options,
        ]);
        return;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** A clean stop (`pg_ctl stop -m fast`: connections are closed, the server shuts down). */
  async stop(): Promise<void> {
    await this.run("pg_ctl", ["stop", "-w", "-m", "fast", "-D", this.dataDir]);
  }

  /** The postmaster's pid (first line of postmaster.pid). */
  postmasterPid(): number {
    return Number(readFileSync(join(this.dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  }

  /**
   * SIGKILL of the postmaster, as a crashed or OOM-killed server: no shutdown. Its backends notice the
   * postmaster's death and exit; connections they held are cut. Resolves once the postmaster is gone.
   */
  async kill9(): Promise<void> {
    const pid = this.postmasterPid();
    process.kill(pid, "SIGKILL");
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
  }

  /** Runs SQL through psql (`-At`, stop on the first error) and returns its output. */
  sql(query: string, database = "postgres"): Promise<string> {
    return this.run("psql", [
      "-X",
      "-At",
      "-v",
      "ON_ERROR_STOP=1",
      "-h",
      "127.0.0.1",
      "-p",
      String(this.port),
      "-U",
      "postgres",
      "-d",
      database,
      "-c",
      query,
    ]);
  }

  /** `pg_terminate_backend` of every backend whose application_name is `applicationName`; how many. */
  async terminateBackends(applicationName: string): Promise<number> {
    const out = await this.sql(
      `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '${applicationName.replaceAll("'", "''")}'`,
    );
    return Number(out.trim());
  }

  /**
   * Holds `LOCK TABLE <table> IN ACCESS EXCLUSIVE MODE` for `ms` in a psql session of its own; resolves once
   * the lock is held, with a promise of its release.
   */
  async holdLock(database: string, table: string, ms: number): Promise<{ released: Promise<void> }> {
    const child = this.spawn("psql", [
      "-X",
      "-At",
      "-v",
      "ON_ERROR_STOP=1",
      "-h",
      "127.0.0.1",
      "-p",
      String(this.port),
      "-U",
      "postgres",
      "-d",
      database,
      "-c",
      `BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE; SELECT 'locked'; SELECT pg_sleep(${ms / 1000}); COMMIT;`,
    ]);
    const released = exited(child, "psql (lock)");
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("locked")) resolve();
      });
      released.then(() => reject(new Error(`the lock session ended before taking the lock: ${out}`)), reject);
    });
    return { released };
  }

  /** Stops the server (immediately) and deletes its folder. */
  async destroy(): Promise<void> {
    try {
      if (existsSync(join(this.dataDir, "postmaster.pid")))
        await this.run("pg_ctl", ["stop", "-w", "-m", "immediate", "-D", this.dataDir]);
    } finally {
      rmSync(this.root, { recursive: true, force: true });
    }
  }

  private spawn(tool: string, args: string[]): ChildProcess {
    return spawn(join(this.bin, tool), args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PGCONNECT_TIMEOUT: "5" },
      ...(this.owner === undefined ? {} : { uid: this.owner.uid, gid: this.owner.gid }),
      cwd: this.root,
    });
  }

  private async run(tool: string, args: string[]): Promise<string> {
    const child = this.spawn(tool, args);
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    await exited(child, tool);
    return out;
  }
}

function exited(child: ChildProcess, label: string): Promise<void> {
  let err = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${label} exited with ${code}: ${err.trim()}`)),
    );
  });
}

function postgresUser(): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    return { uid, gid };
  } catch {
    throw new Error(
      "running as root, and there is no postgres user to run the test server as (PostgreSQL refuses root)",
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A loopback port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}
