import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../process/free-port.ts';
import { spawnTied, type TiedProcess } from '../process/tied-process.ts';
import { waitUntil } from '../wait/wait-until.ts';

// A real PostgreSQL 15 (Debian's `postgresql`) for tests: a fresh cluster in a temporary folder,
// listening on 127.0.0.1 at a free port, tied to the test process so that it never outlives it.
// PostgreSQL refuses to run as root: as root, initdb and the server run as the `postgres` system
// user (setpriv, which execs: the tied shell's child is the postmaster itself).

/** The newest PostgreSQL Debian installed (15 on Debian 12; another release brings another). */
function serverBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v) && fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  if (!versions.length) throw new Error(`no PostgreSQL server under ${root}: install Debian's postgresql (apt-get install postgresql)`);
  return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}
const SUPERUSER = 'hil';

export interface PostgresServer {
  readonly port: number;
  /** The data folder (also holds the Unix socket). */
  readonly dir: string;
  /** postgres://hil@127.0.0.1:PORT/DATABASE (trust authentication on loopback). */
  url(database?: string): string;
  /** The postmaster's process id. */
  readonly pid: number;
  /** Fast shutdown (sessions are ended), then the data folder is removed. */
  stop(): Promise<void>;
}

/** How to run a PostgreSQL program: as ourselves, or as `postgres` when we are root. */
function asServerUser(program: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [program, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', program, ...args]];
}

export async function startPostgres(o: { timeoutMs?: number } = {}): Promise<PostgresServer> {
  const BIN = serverBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-pg-'));
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  const [initdb, initArgs] = asServerUser(path.join(BIN, 'initdb'), ['-D', data, '-U', SUPERUSER, '-A', 'trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C']);
  try {
    execFileSync(initdb, initArgs, { stdio: 'pipe' });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message}`);
  }
  const port = await freePort();
  const [postgres, args] = asServerUser(path.join(BIN, 'postgres'), ['-D', data, '-k', dir, '-p', String(port), '-h', '127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=50']);
  const proc: TiedProcess = spawnTied(postgres, args);
  const ready = /database system is ready to accept connections/;
  try {
    await waitUntil({
      awaited: 'PostgreSQL to accept connections',
      where: `127.0.0.1:${port}`,
      timeoutMs: o.timeoutMs ?? 30_000,
      lastLines: () => proc.output().split('\n').slice(-10),
      watch(resolve, reject) {
        const check = () => {
          if (ready.test(proc.output())) resolve(undefined);
        };
        const onExit = (code: number | null) => reject(new Error(`postgres exited at start (${code}): ${proc.output().trim()}`));
        proc.child.stderr!.on('data', check);
        proc.child.stdout!.on('data', check);
        void proc.exited.then(onExit);
        check();
        return () => {
          proc.child.stderr!.off('data', check);
          proc.child.stdout!.off('data', check);
        };
      },
    });
  } catch (e) {
    await proc.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    port,
    dir,
    pid,
    url: (database = 'postgres') => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`,
    async stop() {
      // SIGINT is PostgreSQL's fast shutdown; the tie's SIGTERM would wait for every session to end.
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // already gone
      }
      await proc.stop(10_000);
      try {
        process.kill(pid, 'SIGKILL'); // still there after 10 s: the tie's shell was killed, not the server
      } catch {
        // gone, as it should be
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The hooks postgresForFile registers: those of Playwright's `test`, or of one extended from it. */
interface FileHooks {
  beforeAll(hook: () => Promise<void>): void;
  afterAll(hook: () => Promise<void>): void;
}

export interface FilePostgres {
  /** A new, empty database on the file's server; its URL. */
  freshDatabase(): Promise<string>;
  /** One statement, as the superuser, on a connection of its own to `database` (default `postgres`). */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[], database?: string): Promise<pg.QueryResult<R>>;
}

/**
 * One PostgreSQL for a test file (or the describe block this is called in): started before its
 * first test, stopped after its last; each test takes a database of its own with freshDatabase().
 */
export function postgresForFile(test: FileHooks): FilePostgres {
  let server: PostgresServer | undefined;
  let databases = 0;
  test.beforeAll(async () => {
    server = await startPostgres();
  });
  test.afterAll(async () => {
    await server?.stop();
  });
  const started = (): PostgresServer => {
    if (!server) throw new Error('the PostgreSQL of this file is not started: use it in its tests, not while the file is loaded');
    return server;
  };
  const query = async <R extends pg.QueryResultRow>(text: string, values?: unknown[], database?: string): Promise<pg.QueryResult<R>> => {
    const client = new pg.Client(started().url(database));
    await client.connect();
    try {
      return await client.query<R>(text, values);
    } finally {
      await client.end();
    }
  };
  return {
    query,
    async freshDatabase() {
      const database = `test_${++databases}`;
      await query(`CREATE DATABASE ${database}`);
      return started().url(database);
    },
  };
}
