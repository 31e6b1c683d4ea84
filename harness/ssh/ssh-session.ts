import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { HostKeyMismatchError, SshUnreachableError, WaitTimeoutError, CommandError } from '../errors.ts';
import type { HarnessLogger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
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
  /** How often to probe a quiet connection, so that a rebooting board is noticed. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Time for one connection attempt (TCP + handshake + auth). */
  connectTimeoutMs?: number;
}

export interface ExecOptions {
  timeoutMs?: number;
  phase?: string;
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

export interface TransferProgress {
  transferred: number;
  total: number;
}

/**
 * An SSH session with one board (ssh2). The host key is pinned: any other key is refused before
 * authentication. Keepalives are on, so a board that reboots under an open session is noticed
 * within seconds (event 'disconnected'); waitUntilUp() then reconnects with backoff.
 */
export class SshSession extends EventEmitter {
  readonly where: string;
  private client: Client | undefined;
  private readonly log: HarnessLogger;
  private readonly opts: Required<Omit<SshOptions, 'logger'>>;
  private sftpChannel: SFTPWrapper | undefined;

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

  /** One connection attempt. Throws HostKeyMismatchError or SshUnreachableError. */
  async connect(timeoutMs = this.opts.connectTimeoutMs): Promise<void> {
    if (this.client) return;
    let privateKey: Buffer;
    try {
      privateKey = fs.readFileSync(this.target.privateKeyPath);
    } catch (e) {
      throw new SshUnreachableError(`${this.where}: cannot read the private key file ${this.target.privateKeyPath}: ${(e as Error).message}`);
    }
    const client = new Client();
    let presented: string | undefined;
    const config: ConnectConfig = {
      host: this.target.host,
      port: this.target.port,
      username: this.target.user,
      privateKey,
      readyTimeout: timeoutMs,
      keepaliveInterval: this.opts.keepaliveIntervalMs,
      keepaliveCountMax: this.opts.keepaliveCountMax,
      hostVerifier: (key: Buffer) => {
        presented = sshFingerprint(key);
        return presented === this.target.hostKeyFingerprint;
      },
    };
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        client.removeAllListeners('ready');
        // A failing connection can report more than one error; the first one decides.
        client.on('error', () => undefined);
        client.end();
        if (presented !== undefined && presented !== this.target.hostKeyFingerprint) {
          reject(new HostKeyMismatchError(this.where, this.target.hostKeyFingerprint, presented));
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
   * coming back from a reboot). A host-key mismatch is final and not retried.
   */
  async waitUntilUp(o: { timeoutMs: number; phase?: string; signal?: AbortSignal }): Promise<void> {
    const deadline = Date.now() + o.timeoutMs;
    let backoff = 250;
    let attempts = 0;
    let last: Error | undefined;
    while (!this.client) {
      const left = deadline - Date.now();
      if (left <= 0 || o.signal?.aborted) break;
      attempts++;
      try {
        await this.connect(Math.min(left, this.opts.connectTimeoutMs));
        return;
      } catch (e) {
        if (e instanceof HostKeyMismatchError) throw e;
        last = e as Error;
      }
      // No event tells us that a booting board's sshd has started listening: poll, gently.
      const wait = Math.min(backoff, deadline - Date.now());
      if (wait > 0) await delay(wait, undefined, { signal: o.signal }).catch(() => undefined);
      backoff = Math.min(backoff * 2, 3000);
    }
    if (this.client) return;
    const phase = o.phase ? `[${o.phase}] ` : '';
    throw new SshUnreachableError(
      `${phase}${this.where} did not come up within ${(o.timeoutMs / 1000).toFixed(1)} s (${attempts} attempts; last error: ${last?.message ?? 'none'})`,
      { phase: o.phase, cause: last },
    );
  }

  private requireClient(what: string): Client {
    if (!this.client) throw new SshUnreachableError(`${this.where} is not connected; cannot ${what}`);
    return this.client;
  }

  /** Runs a command; collects stdout, stderr and the exit status. */
  async exec(command: string, o: ExecOptions = {}): Promise<ExecResult> {
    const client = this.requireClient(`run "${command}"`);
    const timeoutMs = o.timeoutMs ?? 60_000;
    return new Promise<ExecResult>((resolve, reject) => {
      client.exec(command, (err, channel) => {
        if (err) return reject(new SshUnreachableError(`${this.where}: cannot start "${command}": ${err.message}`, { phase: o.phase }));
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code: number | null = null;
        let signal: string | undefined;
        const timer = setTimeout(() => {
          channel.close();
          const tail = Buffer.concat([...out, ...errOut]).toString().split('\n').slice(-40);
          reject(new WaitTimeoutError({ awaited: `"${command}" to finish`, where: this.where, timeoutMs, lastLines: tail, phase: o.phase }));
        }, timeoutMs);
        channel.on('data', (b: Buffer) => out.push(b));
        channel.stderr.on('data', (b: Buffer) => errOut.push(b));
        channel.on('exit', (c: number | null, sig?: string) => {
          code = c;
          signal = sig ?? undefined;
        });
        channel.on('close', () => {
          clearTimeout(timer);
          const r = { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(errOut).toString(), code, signal };
          if (o.check && r.code !== 0) {
            reject(new CommandError(`${this.where}: "${command}" exited with status ${r.code ?? `signal ${r.signal}`}: ${r.stderr.trim().split('\n').slice(-10).join('\n')}`, r.code, 'lab-fault', o.phase));
          } else resolve(r);
        });
        if (o.stdin !== undefined) channel.end(o.stdin);
        else channel.end();
      });
    });
  }

  /** Starts a long-running command (a log follower) and hands its output to `onData` until stopped. */
  async stream(command: string, onData: (chunk: Buffer) => void): Promise<{ channel: ClientChannel; stop(): void }> {
    const client = this.requireClient(`run "${command}"`);
    return new Promise((resolve, reject) => {
      client.exec(command, (err, channel) => {
        if (err) return reject(new SshUnreachableError(`${this.where}: cannot start "${command}": ${err.message}`));
        channel.on('data', onData);
        channel.stderr.on('data', onData);
        resolve({ channel, stop: () => channel.close() });
      });
    });
  }

  private async sftp(): Promise<SFTPWrapper> {
    if (this.sftpChannel) return this.sftpChannel;
    const client = this.requireClient('open SFTP');
    this.sftpChannel = await new Promise<SFTPWrapper>((resolve, reject) =>
      client.sftp((err, s) => (err ? reject(new SshUnreachableError(`${this.where}: SFTP unavailable: ${err.message}`)) : resolve(s))),
    );
    this.sftpChannel.once('close', () => (this.sftpChannel = undefined));
    return this.sftpChannel;
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
