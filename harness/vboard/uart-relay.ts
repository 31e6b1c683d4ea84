import net from 'node:net';

// A twin's UART line between QEMU and ser2net, with the board's power in it. QEMU keeps a paused
// (powered-off) board's input waiting in its serial buffer and hands it to the firmware once it
// runs again: bytes a harness wrote to a board that was off would stop U-Boot's autoboot. On a
// real board they are lost, since an unpowered UART receives nothing. The relay holds QEMU's UART
// socket for the board's whole life (nothing the board prints is lost to a reconnect), passes
// bytes both ways to one client (ser2net) at a time, and drops the client's bytes while the board
// is off. What the board prints while no client is connected is dropped, as on a serial line.

export class UartRelay {
  private client: net.Socket | undefined;
  private powered = false;

  private constructor(
    private readonly uart: net.Socket,
    private readonly server: net.Server,
    readonly port: number,
  ) {
    uart.on('data', (d) => this.client?.write(d));
    server.on('connection', (c) => {
      this.client?.destroy(); // one line, one listener: the newest wins
      this.client = c;
      c.on('data', (d) => {
        if (this.powered) uart.write(d);
      });
      c.on('error', () => undefined);
      c.on('close', () => {
        if (this.client === c) this.client = undefined;
      });
    });
  }

  /** Connects to QEMU's UART socket and listens on 127.0.0.1:`port` (0: any free port). */
  static async start(o: { uartSocket: string; port?: number }): Promise<UartRelay> {
    const uart = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(o.uartSocket);
      s.once('connect', () => resolve(s));
      s.once('error', (e) => reject(new Error(`cannot connect to the board's UART socket ${o.uartSocket}: ${e.message}`)));
    });
    uart.on('error', () => undefined);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
    });
    return new UartRelay(uart, server, (server.address() as net.AddressInfo).port);
  }

  /** The board's power, as QEMU reports it (RESUME: on; STOP: off). */
  setPowered(on: boolean): void {
    this.powered = on;
  }

  async stop(): Promise<void> {
    this.client?.destroy();
    this.uart.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
