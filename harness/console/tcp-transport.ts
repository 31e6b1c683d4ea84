import net from 'node:net';
import type { ConsoleTransport, TransportHandlers } from './transport.ts';

/** A ser2net (or conserver) raw TCP port in front of a board's UART. */
export class TcpSerialTransport implements ConsoleTransport {
  readonly description: string;
  readonly devicePath = undefined;
  private socket: net.Socket | undefined;
  private closing = false;

  constructor(private readonly host: string, private readonly port: number) {
    this.description = `tcp ${host}:${port}`;
  }

  open(handlers: TransportHandlers): Promise<void> {
    this.closing = false;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      const onConnectError = (e: Error) => reject(new Error(`cannot connect to serial ${this.description}: ${e.message}`));
      socket.once('error', onConnectError);
      socket.once('connect', () => {
        socket.off('error', onConnectError);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 5000);
        this.socket = socket;
        let lostReason = 'connection closed by the far end';
        socket.on('data', (chunk: Buffer) => handlers.data(chunk));
        socket.on('error', (e) => (lostReason = e.message));
        socket.on('close', () => {
          if (this.socket === socket) this.socket = undefined;
          if (!this.closing) handlers.lost(lostReason);
        });
        resolve();
      });
    });
  }

  write(data: Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error(`serial ${this.description} is not connected`));
    return new Promise((resolve, reject) => socket.write(data, (e) => (e ? reject(e) : resolve())));
  }

  close(): Promise<void> {
    this.closing = true;
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }
}
