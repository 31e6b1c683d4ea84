import { SerialPort } from 'serialport';
import type { ConsoleTransport, TransportHandlers } from './transport.ts';

/** A local serial device (USB serial, on-board UART, or a pseudo-terminal). */
export class SerialDeviceTransport implements ConsoleTransport {
  readonly description: string;
  readonly devicePath: string;
  private port: SerialPort | undefined;
  private closing = false;

  constructor(path: string, private readonly baudRate: number) {
    this.devicePath = path;
    this.description = `${path} at ${baudRate} baud`;
  }

  open(handlers: TransportHandlers): Promise<void> {
    this.closing = false;
    const port = new SerialPort({ path: this.devicePath, baudRate: this.baudRate, autoOpen: false });
    return new Promise((resolve, reject) => {
      port.open((err) => {
        if (err) return reject(new Error(`cannot open serial ${this.description}: ${err.message}`));
        this.port = port;
        port.on('data', (chunk: Buffer) => handlers.data(chunk));
        // A vanished device closes the port with err.disconnected; no 'error' event comes first.
        port.on('close', (closeErr?: Error & { disconnected?: boolean }) => {
          if (this.port === port) this.port = undefined;
          if (!this.closing) handlers.lost(closeErr?.message ?? 'serial port closed');
        });
        port.on('error', (e) => {
          if (!this.closing && port.isOpen) port.close(() => undefined);
          else if (!this.closing) handlers.lost(e.message);
        });
        resolve();
      });
    });
  }

  write(data: Buffer): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(new Error(`serial ${this.description} is not open`));
    return new Promise((resolve, reject) => {
      port.write(data, (err) => {
        if (err) return reject(err);
        port.drain((e) => (e ? reject(e) : resolve()));
      });
    });
  }

  close(): Promise<void> {
    this.closing = true;
    const port = this.port;
    this.port = undefined;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }
}
