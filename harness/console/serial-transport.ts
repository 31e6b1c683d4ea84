import fs from 'node:fs';
import path from 'node:path';
import { SerialPort } from 'serialport';
import type { ConsoleTransport, TransportHandlers } from './transport.ts';

/** A local serial device (USB serial, on-board UART, or a pseudo-terminal). */
export class SerialDeviceTransport implements ConsoleTransport {
  readonly description: string;
  readonly devicePath: string;
  private port: SerialPort | undefined;
  private closing = false;
  private nodeWatchers: fs.FSWatcher[] = [];

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
        let lostReason: string | undefined;
        port.on('data', (chunk: Buffer) => handlers.data(chunk));
        // A vanished device closes the port with err.disconnected; no 'error' event comes first.
        port.on('close', (closeErr?: Error & { disconnected?: boolean }) => {
          if (this.port === port) this.port = undefined;
          this.stopWatchingNode();
          if (!this.closing) handlers.lost(lostReason ?? closeErr?.message ?? 'serial port closed');
        });
        port.on('error', (e) => {
          if (!this.closing && port.isOpen) port.close(() => undefined);
          else if (!this.closing) handlers.lost(e.message);
        });
        this.watchNode(() => {
          lostReason = `${this.devicePath} vanished (its device node is gone)`;
          if (port.isOpen) port.close(() => undefined);
        });
        resolve();
      });
    });
  }

  /**
   * Calls `vanished` when the device node is removed. A hung-up tty can read as end of file, which
   * serialport retries without end instead of reporting a disconnect (seen when the hang-up comes
   * while a read is under way): the node going away is the sure sign. The node itself is watched,
   * not a link to it (a udev or socat link may be removed while the device stays).
   */
  private watchNode(vanished: () => void): void {
    let node: string;
    try {
      node = fs.realpathSync(this.devicePath);
    } catch {
      return; // Gone already: the read side reports it.
    }
    try {
      const w = fs.watch(path.dirname(node), (_ev, file) => {
        if ((!file || file === path.basename(node)) && !fs.existsSync(node)) vanished();
      });
      w.on('error', () => undefined);
      this.nodeWatchers.push(w);
    } catch {
      // A folder that cannot be watched: the read side still reports most losses.
    }
  }

  private stopWatchingNode(): void {
    for (const w of this.nodeWatchers) w.close();
    this.nodeWatchers = [];
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
    this.stopWatchingNode();
    const port = this.port;
    this.port = undefined;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }
}
