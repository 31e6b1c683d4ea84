import net from 'node:net';
import { ConsoleReplay, hostClockMs, seededRandom, type ScriptLine } from '../../harness/testing/console-replay.ts';
import type { GeneratorReply, GeneratorRequest } from './protocol.ts';

// The consoles of all simulated boards, in one process so that the host's load stays honest: one
// ser2net-style raw TCP port per board. A board's console prints its boot when the harness
// connects, then daemon chatter at a steady rate with bursts; on request, each board runs the OTA
// update's lines from a random moment within the spread. One tick serves all boards; what a
// board has to say in a tick goes out in one write, each line stamped when written.
// Forked by the bench with an IPC channel: when the bench goes, so does this process.

const boards = Number(process.env.SCALE_BOARDS);
const seed = Number(process.env.SCALE_SEED);
if (!Number.isInteger(boards) || boards < 1) throw new Error(`SCALE_BOARDS="${process.env.SCALE_BOARDS}": expected a whole number of boards >= 1`);
if (!Number.isInteger(seed)) throw new Error(`SCALE_SEED="${process.env.SCALE_SEED}": expected an integer seed`);

const STEADY_LINES_PER_S = 2;
const BURST_EVERY_MS: [number, number] = [8000, 16000];
const BURST_LINES: [number, number] = [20, 40];
const TICK_MS = 20;

interface Board {
  readonly replay: ConsoleReplay;
  readonly random: () => number;
  socket?: net.Socket;
  nextSteadyAt: number;
  nextBurstAt: number;
  ota?: { script: ScriptLine[]; next: number; at: number };
}

const send = (m: GeneratorReply) => process.send!(m);
process.on('disconnect', () => process.exit(0));

const between = (random: () => number, [lo, hi]: [number, number]) => lo + random() * (hi - lo);

const all: Board[] = Array.from({ length: boards }, (_, i) => {
  const random = seededRandom(seed + i);
  return { replay: new ConsoleReplay(random, `sama5d2-b${String(i).padStart(2, '0')}`), random, nextSteadyAt: 0, nextBurstAt: 0 };
});

function write(b: Board, lines: string[]): void {
  if (lines.length === 0 || !b.socket) return;
  const now = hostClockMs();
  b.socket.write(lines.map((l) => b.replay.stamp(l, now)).join(''));
}

function serve(b: Board): Promise<number> {
  const server = net.createServer((socket) => {
    b.socket?.destroy();
    b.socket = socket;
    socket.setNoDelay(true);
    socket.on('error', () => undefined); // the harness went away; a new connection replaces this one
    socket.on('close', () => b.socket === socket && (b.socket = undefined));
    const now = hostClockMs();
    b.nextSteadyAt = now + between(b.random, [0, 1000 / STEADY_LINES_PER_S]);
    b.nextBurstAt = now + between(b.random, BURST_EVERY_MS);
    write(b, b.replay.bootLines());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

let stopped = false;

function tick(): void {
  const now = hostClockMs();
  for (const b of all) {
    if (!b.socket) continue;
    const out: string[] = [];
    for (; b.nextSteadyAt <= now; b.nextSteadyAt += between(b.random, [0.5, 1.5]) * (1000 / STEADY_LINES_PER_S)) out.push(b.replay.daemonLine());
    if (b.nextBurstAt <= now) {
      out.push(...b.replay.burst(Math.round(between(b.random, BURST_LINES))));
      b.nextBurstAt = now + between(b.random, BURST_EVERY_MS);
    }
    const ota = b.ota;
    while (ota && ota.next < ota.script.length && ota.at <= now) {
      out.push(ota.script[ota.next++].text);
      if (ota.next < ota.script.length) ota.at += ota.script[ota.next].afterMs;
    }
    write(b, out);
  }
}

const ticker = setInterval(tick, TICK_MS);

process.on('message', (m: GeneratorRequest) => {
  if (m.type === 'update') {
    const now = hostClockMs();
    for (const b of all) b.ota = { script: b.replay.otaScript(), next: 0, at: now + b.random() * m.spreadMs };
  } else if (m.type === 'stop' && !stopped) {
    stopped = true;
    clearInterval(ticker);
    // Every byte written is in the kernel's hands before the last sequence numbers are told.
    void Promise.all(all.map((b) => new Promise<void>((r) => (b.socket ? b.socket.write('', () => r()) : r())))).then(() =>
      send({ type: 'stopped', lastSeq: all.map((b) => b.replay.nextSeq - 1) }),
    );
  }
});

send({ type: 'ready', ports: await Promise.all(all.map(serve)) });
