// One byte pipe to a board's serial console: a local serial device, or a ser2net raw TCP port.
// The console above it owns reading, transcripts and reconnection; a transport only moves bytes
// and says when its far end went away.

export interface TransportHandlers {
  data(chunk: Buffer): void;
  /** The far end went away (device unplugged, pty closed, TCP reset). Not called after close(). */
  lost(reason: string): void;
}

export interface ConsoleTransport {
  /** What this transport reaches, for messages: "/dev/ttyUSB0 at 115200 baud" or "tcp lab-ser2net:3001". */
  readonly description: string;
  /** A path whose directory can be watched to learn that the device came back, if it is a device. */
  readonly devicePath: string | undefined;
  open(handlers: TransportHandlers): Promise<void>;
  write(data: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** "host:port" (ser2net raw TCP) or a device path. */
export function parseSerialAddress(address: string): { kind: 'device'; path: string } | { kind: 'tcp'; host: string; port: number } {
  if (address.startsWith('/')) return { kind: 'device', path: address };
  const m = /^(?<host>\[[^\]]+\]|[^:\s]+):(?<port>\d{1,5})$/.exec(address);
  if (!m?.groups) throw new Error(`serial address "${address}": expected a device path (/dev/ttyUSB0) or host:port of a ser2net raw TCP port`);
  const port = Number(m.groups.port);
  if (port < 1 || port > 65535) throw new Error(`serial address "${address}": port must be 1-65535`);
  return { kind: 'tcp', host: m.groups.host.replace(/^\[|\]$/g, ''), port };
}
