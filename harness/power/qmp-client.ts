import net from 'node:net';

// QEMU's machine protocol (QMP) over a unix socket: one JSON object per line; commands answered
// in order, events interleaved. Enough for power control of a virtual board.

export class QmpClient {
  private buffer = '';
  private readonly pending: { resolve(v: unknown): void; reject(e: Error): void; command: string }[] = [];
  private readonly eventListeners = new Set<(ev: { event: string; data?: unknown }) => void>();

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('close', () => {
      for (const p of this.pending.splice(0)) p.reject(new Error(`QMP connection closed before "${p.command}" was answered`));
    });
    socket.on('error', () => undefined);
  }

  /**
   * QEMU creates the socket file a moment before it listens on it: a refused connection is
   * retried for up to `withinMs` (there is no event for "listening" to wait on).
   */
  static async connect(path: string, withinMs = 5_000): Promise<QmpClient> {
    const t0 = Date.now();
    let socket: net.Socket | undefined;
    for (let attempt = 0; !socket; attempt++) {
      socket = await new Promise<net.Socket | undefined>((resolve, reject) => {
        const s = net.connect(path);
        s.once('connect', () => resolve(s));
        s.once('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNREFUSED' && Date.now() - t0 < withinMs ? resolve(undefined) : reject(e)));
      });
      if (!socket) await new Promise((r) => setTimeout(r, Math.min(200, 10 * 2 ** attempt)));
    }
    const c = new QmpClient(socket);
    await c.nextGreeting;
    await c.execute('qmp_capabilities');
    return c;
  }

  private greetingResolve: (() => void) | undefined;
  private readonly nextGreeting = new Promise<void>((r) => (this.greetingResolve = r));

  private onData(d: string): void {
    this.buffer += d;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as { QMP?: unknown; return?: unknown; error?: { class: string; desc: string }; event?: string; data?: unknown };
      if (msg.QMP) this.greetingResolve?.();
      else if (msg.event) this.eventListeners.forEach((f) => f({ event: msg.event!, data: msg.data }));
      else {
        const p = this.pending.shift();
        if (!p) continue;
        if (msg.error) p.reject(new Error(`QMP ${p.command}: ${msg.error.class}: ${msg.error.desc}`));
        else p.resolve(msg.return);
      }
    }
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (v: unknown) => void, reject, command });
      this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    });
  }

  onEvent(f: (ev: { event: string; data?: unknown }) => void): () => void {
    this.eventListeners.add(f);
    return () => this.eventListeners.delete(f);
  }

  close(): void {
    this.socket.destroy();
  }
}
