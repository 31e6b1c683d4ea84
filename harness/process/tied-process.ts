import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

// Helper processes (socat, sshd, later QEMU) must not outlive the harness even when a test worker
// crashes. Each is started under a small shell that holds the read end of a pipe from us: when
// our process goes away the pipe closes, `read` returns, and the shell kills its child.
const TIE = [
  'exec 3<&0',
  '"$@" </dev/null & child=$!',
  '( read _ <&3; kill "$child" 2>/dev/null ) & watcher=$!',
  'wait "$child"; status=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join('\n');

export interface TiedProcess {
  readonly child: ChildProcess;
  readonly description: string;
  /** Output so far (stdout and stderr interleaved), for error messages. */
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  stop(timeoutMs?: number): Promise<void>;
}

export function spawnTied(command: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): TiedProcess {
  const child = spawn('sh', ['-c', TIE, 'tied', command, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env, cwd: opts.cwd });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-16384);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    child,
    description: [command, ...args].join(' '),
    output: () => out,
    exited,
    async stop(timeoutMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await once(child, 'exit').catch(() => undefined);
      clearTimeout(timer);
    },
  };
}
