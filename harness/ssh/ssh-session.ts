import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { HostKeyMismatchError, SshAuthError, SshUnreachableError, CommandError } from '../errors.ts';
import type { HarnessLogger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import { Deadline, deadlineOf } from '../wait/deadline.ts';
import { waitUntil } from '../wait/wait-until.ts';
import { sshFingerprint } from './fingerprint.ts';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** Path of the private key file. */
  privateKeyPath: string;
  /** OpenSSH-style "SHA256:..." fingerprint of the board's host key; a different key is refused. */
  hostKeyFingerprint: string;
}

export interface SshOptions {
  logger?: HarnessLogger;
  /** How often to probe a quiet connection, so that a rebooting board is noticed; 0: never. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Time for one connection attempt (TCP + handshake + auth). */
  connectTimeoutMs?: number;
}

export interface ExecOptions {
  /** The command's own bound, counted from its start (the server's answer to the exec request). */
  timeoutMs?: number;
  /**
   * The phase's deadline: bounds the whole exec, opening the channel included (a channel open that
   * is never answered ends here). With `timeoutMs` too, the sooner of the two ends the command.
   */
  deadline?: Deadline;
  phase?: string;
  signal?: AbortSignal;
  stdin?: string | Buffer;
  /** Throw a CommandError on a non-zero exit status. */
  check?: boolean;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit status, or null when the command ended by a signal. */
  code: number | null;
  signal: string | undefined;
}

export interface StreamOptions {
  /** Bounds opening the channel; default: the connect timeout. */
  deadline?: Deadline;
  /**
   * The stream ended without stop(): the command exited, the channel closed, or the connection was
   * lost. A follower that dies must be reported, not go quiet.
   */
  onEnd?: (err: SshUnreachableError) => void;
}

export interface TransferProgress {
  transferred: number;
  total: number;
}

const DEFAULT_EXEC_MS = 60_000;

function phasePrefix(phase: string | undefined): string {
  return phase ? `[${phase}] ` : '';
}

/** Errors that waiting does not cure: a wrong host key, an unreadable or refused key. */
function isPermanent(e: unknown): boolean {
  return e instanceof HostKeyMismatchError || e instanceof SshAuthError;
}

/** What one command's channel carried, noted from the moment the channel exists. */
class CommandRun {
  private readonly out: Buffer[] = [];
  private readonly errOut: Buffer[] = [];
  private exit: { code: number | null; signal: string | undefined } | undefined;
  private closed: ExecResult | { lost: string } | undefined;
  private connectionLost = false;
  private closeListener: ((r: ExecResult | { lost: string }) => void) | undefined;

  constructor(
    private readonly client: Client,
    private readonly stillCurrent: () => boolean,
    private readonly onData?: (chunk: Buffer) => void,
  ) {}

  attach(channel: ClientChannel): void {
    const onLost = () => (this.connectionLost = true);
    this.client.once('close', onLost);
    channel.on('data', (b: Buffer) => (this.onData ? this.onData(b) : this.out.push(b)));
    channel.stderr.on('data', (b: Buffer) => (this.onData ? this.onData(b) : this.errOut.push(b)));
    channel.on('exit', (code: number | null, sig?: string) => (this.exit = { code, signal: sig ?? undefined }));
    channel.on('close', () => {
      this.client.off('close', onLost);
      const lost = this.connectionLost || !this.stillCurrent() ? 'the connection was lost' : 'the channel closed without an exit status';
      this.closed = this.exit
        ? { stdout: Buffer.concat(this.out).toString(), stderr: Buffer.concat(this.errOut).toString(), ...this.exit }
        : { lost };
      this.closeListener?.(this.closed);
    });
  }

  /** Calls `f` once the channel has closed (at once if it already has). */
  onClose(f: (r: ExecResult | { lost: string }) => void): void {
    if (this.closed) f(this.closed);
    else this.closeListener = f;
  }

  output(): string {
    return Buffer.concat([...this.out, ...this.errOut]).toString();
  }
}

/**
 * An SSH session with one board (ssh2). The host key is pinned: any other key is refused before
 * authentication. Keepalives are on, so a board that reboots under an open session is noticed
 * within seconds (event 'disconnected'); waitUntilUp() then reconnects with backoff. Every wait
 * (connecting, opening a channel, a command) is bounded by the caller's deadline or timeout.
 */
export class SshSession extends EventEmitter {
  readonly where: string;
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly log: HarnessLogger;
  private readonly opts: Required<Omit<SshOptions, 'logger'>>;
  private sftpChannel: Promise<SFTPWrapper> | undefined;

  constructor(readonly target: SshTarget, opts: SshOptions = {}) {
    super();
    this.where = `ssh ${target.user}@${target.host}:${target.port}`;
    this.log = opts.logger ?? silentLogger;
    this.opts = {
      keepaliveIntervalMs: opts.keepaliveIntervalMs ?? 2000,
      keepaliveCountMax: opts.keepaliveCountMax ?? 3,
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
    };
  }

  get isConnected(): boolean {
    return this.client !== undefined;
  }

  /**
   * One connection attempt, bounded by a timeout (default: the connect timeout) or a deadline.
   * Throws HostKeyMismatchError, SshAuthError or SshUnreachableError. Concurrent calls share one
   * attempt (one client, never a leaked second one).
   */
  connect(bound: number | { timeoutMs?: number; deadline?: Deadline } = {}): Promise<void> {
    if (this.client) return Promise.resolve();
    const o = typeof bound === 'number' ? { timeoutMs: bound } : bound;
    const deadline = deadlineOf(o, this.opts.connectTimeoutMs);
    this.connecting ??= this.connectOnce(deadline).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connectOnce(deadline: Deadline): Promise<void> {
    let privateKey: Buffer;
    try {
      privateKey = fs.readFileSync(this.target.privateKeyPath);
    } catch (e) {
      throw new SshAuthError(`${this.where}: cannot read the private key file ${this.target.privateKeyPath}: ${(e as Error).message}`);
    }
    const client = new Client();
    let presented: string | undefined;
    const config: ConnectConfig = {
      host: this.target.host,
      port: this.target.port,
      username: this.target.user,
      privateKey,
      // ssh2 refuses 0 as "no timeout"; an expired deadline still gets one try of a millisecond.
      readyTimeout: Math.max(1, deadline.remainingMs()),
      keepaliveInterval: this.opts.keepaliveIntervalMs,
      keepaliveCountMax: this.opts.keepaliveCountMax,
      hostVerifier: (key: Buffer) => {
        presented = sshFingerprint(key);
        return presented === this.target.hostKeyFingerprint;
      },
    };
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (e: Error & { level?: string }) => {
        if (settled) return;
        settled = true;
        client.removeAllListeners('ready');
        // A failing connection can report more than one error; the first one decides.
        client.on('error', () => undefined);
        client.end();
        if (presented !== undefined && presented !== this.target.hostKeyFingerprint) {
          reject(new HostKeyMismatchError(this.where, this.target.hostKeyFingerprint, presented));
        } else if (e.level === 'client-authentication') {
          reject(new SshAuthError(`${this.where}: the board refused the key ${this.target.privateKeyPath} for ${this.target.user}: ${e.message}`, { cause: e }));
        } else {
          reject(new SshUnreachableError(`${this.where}: ${e.message}`, { cause: e }));
        }
      };
      // ssh2 stops its handshake timer and reports no error when the server closes after its
      // banner (a board whose sshd is starting or stopping): the close must end the attempt.
      const closed = () => fail(new Error('the connection closed during the SSH handshake'));
      client.once('error', fail);
      client.once('close', closed);
      client.once('ready', () => {
        settled = true;
        client.off('error', fail);
        client.off('close', closed);
        resolve();
      });
      client.connect(config);
    });
    this.client = client;
    client.on('error', (e) => this.log.warn({ ssh: this.where, err: e.message }, 'ssh connection error'));
    client.once('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.sftpChannel = undefined;
      this.log.warn({ ssh: this.where }, 'ssh connection lost');
      this.emit('disconnected');
    });
    this.log.info({ ssh: this.where }, 'ssh connected');
  }

  /**
   * Retries connecting, with backoff, until the board answers or the deadline passes (a board
   * coming back from a reboot). A host-key mismatch, an unreadable key or a refused key is final
   * and fails at once.
   */
  async waitUntilUp(o: { timeoutMs?: number; deadline?: Deadline; phase?: string; signal?: AbortSignal }): Promise<void> {
    if (this.client) return;
    const deadline = deadlineOf(o, 60_000);
    let attempts = 0;
    let last: Error | undefined;
    await waitUntil<void>({
      awaited: 'SSH to come up',
      where: this.where,
      deadline,
      phase: o.phase,
      signal: o.signal,
      lastLines: () => [],
      timeoutError: ({ budgetMs, phase }) =>
        new SshUnreachableError(
          `${phasePrefix(phase)}${this.where} did not come up within ${(budgetMs / 1000).toFixed(1)} s (${attempts} attempts; last error: ${last?.message ?? 'none'})`,
          { phase, cause: last },
        ),
      watch: (resolve, reject) => {
        let stopped = false;
        let pause: NodeJS.Timeout | undefined;
        const attempt = async (backoffMs: number): Promise<void> => {
          if (stopped) return;
          attempts++;
          try {
            await this.connect({ deadline: deadline.within(this.opts.connectTimeoutMs) });
            return resolve();
          } catch (e) {
            if (isPermanent(e)) return reject(e as Error);
            last = e as Error;
          }
          // No event tells us that a booting board's sshd has started listening: poll, gently.
          if (!stopped) pause = setTimeout(() => void attempt(Math.min(backoffMs * 2, 3000)), backoffMs);
        };
        void attempt(250);
        return () => {
          stopped = true;
          clearTimeout(pause);
        };
      },
    });
  }

  private requireClient(what: string, phase?: string): Client {
    if (!this.client) throw new SshUnreachableError(`${phasePrefix(phase)}${this.where} is not connected; cannot ${what}`, { phase });
    return this.client;
  }

  /**
   * Opens a session channel and starts `command` on it, bounded by `deadline`. `prepare` runs as
   * soon as the channel exists, before anything it carries is handled: a quick command's output,
   * exit status and close can come in the same packet as the answer to the exec request. A channel
   * that opens after the wait gave up is closed at once; a connection lost meanwhile fails the wait.
   */
  private startCommand(client: Client, command: string, deadline: Deadline, prepare: (ch: ClientChannel) => void, signal?: AbortSignal): Promise<ClientChannel> {
    return waitUntil<ClientChannel>({
      awaited: `the board to start "${command}"`,
      where: this.where,
      deadline,
      signal,
      lastLines: () => [],
      onTimeout: () => ({ note: 'The connection is up but the server did not answer the channel open or exec request.' }),
      watch: (resolve, reject) => {
        let waiting = true;
        const lost = () => reject(new SshUnreachableError(`${phasePrefix(deadline.phase)}${this.where}: the connection was lost before "${command}" started`, { phase: deadline.phase }));
        client.once('close', lost);
        const cannotStart = (err: Error) => reject(new SshUnreachableError(`${phasePrefix(deadline.phase)}${this.where}: cannot start "${command}": ${err.message}`, { phase: deadline.phase }));
        try {
          client.exec(command, (err, channel) => {
            if (!waiting) return channel?.close();
            if (err) return cannotStart(err);
            prepare(channel);
            resolve(channel);
          });
        } catch (err) {
          // ssh2 throws "Not connected" at once on a connection that is closing: the same lab fault.
          cannotStart(err as Error);
        }
        return () => {
          waiting = false;
          client.off('close', lost);
        };
      },
    });
  }

  /** Runs a command; collects stdout, stderr and the exit status. */
  async exec(command: string, o: ExecOptions = {}): Promise<ExecResult> {
    const phase = o.phase ?? o.deadline?.phase;
    const client = this.requireClient(`run "${command}"`, phase);
    const timeoutMs = o.timeoutMs ?? (o.deadline ? undefined : DEFAULT_EXEC_MS);
    const run = new CommandRun(client, () => this.client === client);
    // Until the command runs, the phase deadline (or the command's timeout) bounds the wait.
    const channel = await this.startCommand(client, command, o.deadline ?? Deadline.after(timeoutMs!, phase), (ch) => run.attach(ch), o.signal);
    // The command's own timeout counts from its start: time spent opening the channel on a busy
    // board is not time the command had.
    const runBy = deadlineOf({ deadline: o.deadline, timeoutMs, phase }, DEFAULT_EXEC_MS);
    const result = waitUntil<ExecResult>({
      awaited: `"${command}" to finish`,
      where: this.where,
      deadline: runBy,
      signal: o.signal,
      lastLines: () => run.output().split('\n').slice(-40),
      watch: (resolve, reject) => {
        run.onClose((r) => {
          // Without an exit status the command did not end: the connection (or the channel) was
          // cut under it. That says nothing about the command: a lab fault, not a result.
          if ('lost' in r) reject(new SshUnreachableError(`${phasePrefix(phase)}${this.where}: ${r.lost} while "${command}" ran`, { phase }));
          else resolve(r);
        });
        // Ends a command that outlived its wait; a no-op once the channel closed.
        return () => channel.close();
      },
    });
    if (o.stdin !== undefined) channel.end(o.stdin);
    else channel.end();
    const r = await result;
    if (o.check && r.code !== 0) {
      throw new CommandError(`${this.where}: "${command}" exited with status ${r.code ?? `signal ${r.signal}`}: ${r.stderr.trim().split('\n').slice(-10).join('\n')}`, r.code, 'lab-fault', phase);
    }
    return r;
  }

  /**
   * Starts a long-running command (a log follower) and hands its output to `onData` until stopped.
   * If it ends by itself, `onEnd` says so.
   */
  async stream(command: string, onData: (chunk: Buffer) => void, o: StreamOptions = {}): Promise<{ channel: ClientChannel; stop(): void }> {
    const client = this.requireClient(`run "${command}"`);
    let stopped = false;
    const run = new CommandRun(client, () => this.client === client, onData);
    const channel = await this.startCommand(client, command, o.deadline ?? Deadline.after(this.opts.connectTimeoutMs), (ch) => run.attach(ch));
    run.onClose((r) => {
      if (stopped) return;
      const why = 'lost' in r ? r.lost : r.signal ? `killed by signal ${r.signal}` : `exited with status ${r.code}`;
      o.onEnd?.(new SshUnreachableError(`${this.where}: "${command}" stopped: ${why}`));
    });
    return {
      channel,
      stop: () => {
        stopped = true;
        channel.close();
      },
    };
  }

  /** The session's SFTP channel; concurrent callers share one. */
  private sftp(): Promise<SFTPWrapper> {
    if (this.sftpChannel) return this.sftpChannel;
    const client = this.requireClient('open SFTP');
    const opening = new Promise<SFTPWrapper>((resolve, reject) =>
      client.sftp((err, s) => (err ? reject(new SshUnreachableError(`${this.where}: SFTP unavailable: ${err.message}`)) : resolve(s))),
    );
    this.sftpChannel = opening;
    opening.then(
      (s) => s.once('close', () => this.sftpChannel === opening && (this.sftpChannel = undefined)),
      () => this.sftpChannel === opening && (this.sftpChannel = undefined),
    );
    return opening;
  }

  /** Copies a local file to the board over SFTP, reporting progress. */
  async put(localPath: string, remotePath: string, onProgress?: (p: TransferProgress) => void): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) =>
      sftp.fastPut(localPath, remotePath, { step: (transferred, _chunk, total) => onProgress?.({ transferred, total }) }, (e) =>
        e ? reject(new SshUnreachableError(`${this.where}: upload of ${localPath} to ${remotePath} failed: ${e.message}`)) : resolve(),
      ),
    );
  }

  /** Copies a file from the board over SFTP, reporting progress. */
  async get(remotePath: string, localPath: string, onProgress?: (p: TransferProgress) => void): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) =>
      sftp.fastGet(remotePath, localPath, { step: (transferred, _chunk, total) => onProgress?.({ transferred, total }) }, (e) =>
        e ? reject(new SshUnreachableError(`${this.where}: download of ${remotePath} to ${localPath} failed: ${e.message}`)) : resolve(),
      ),
    );
  }

  close(): void {
    const c = this.client;
    this.client = undefined;
    this.sftpChannel = undefined;
    c?.end();
  }
}
