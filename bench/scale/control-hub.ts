import { EventEmitter } from 'node:events';
import net from 'node:net';
import readline from 'node:readline';
import { waitUntil } from '../../harness/wait/wait-until.ts';
import type { FollowerMessage, FollowerResult, HubMessage } from './protocol.ts';

/**
 * The bench's end of the followers' control connections (JSON lines on a loopback port): who has
 * attached (and from which process), who has followed the update, and each board's result.
 */
export class ControlHub extends EventEmitter {
  readonly attached = new Map<number, number>();
  readonly updated = new Set<number>();
  readonly results = new Map<number, FollowerResult>();
  private readonly sockets = new Map<number, net.Socket>();
  private failure: Error | undefined;

  private constructor(private readonly server: net.Server) {
    super();
    server.on('connection', (socket) => {
      socket.on('error', () => undefined);
      readline.createInterface({ input: socket }).on('line', (l) => this.take(JSON.parse(l) as FollowerMessage, socket));
    });
  }

  static async start(): Promise<ControlHub> {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return new ControlHub(server);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  private take(m: FollowerMessage, socket: net.Socket): void {
    this.sockets.set(m.board, socket);
    if (m.type === 'attached') this.attached.set(m.board, m.pid);
    else if (m.type === 'updated') this.updated.add(m.board);
    else if (m.type === 'result') this.results.set(m.board, m.result);
    else this.failure ??= new Error(`board ${m.board}'s follower failed: ${m.error}`);
    this.emit('change');
  }

  /** Waits until `count()` reaches `boards`; fails at once when a follower fails or `stopped` says the followers are gone. */
  waitForAll(awaited: string, count: () => number, boards: number, timeoutMs: number, stopped: () => string | undefined): Promise<void> {
    return waitUntil<void>({
      awaited: `${awaited} (${boards} boards)`,
      where: 'the scale bench',
      timeoutMs,
      lastLines: () => [`${count()} of ${boards} so far`],
      watch: (resolve, reject) => {
        const check = () => {
          const gone = stopped();
          if (this.failure) reject(this.failure);
          else if (count() >= boards) resolve();
          else if (gone) reject(new Error(`${gone} while waiting for ${awaited}: ${count()} of ${boards}`));
        };
        check();
        this.on('change', check);
        return () => this.off('change', check);
      },
    });
  }

  tell(board: number, m: HubMessage): void {
    this.sockets.get(board)?.write(`${JSON.stringify(m)}\n`);
  }

  close(): void {
    for (const s of this.sockets.values()) s.destroy();
    this.server.close();
  }
}
