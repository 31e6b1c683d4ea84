import fs from 'node:fs';
import { once } from 'node:events';
import { SerialConsole } from '../harness/console/serial-console.ts';
import { startPtyPair } from '../harness/testing/pty-pair.ts';

/** Time from a line written to the board end of a pty to the pending expect() resolving. */
export async function benchConsoleLatency(samples = 500): Promise<{ p50Ms: number; p99Ms: number; maxMs: number; samples: number }> {
  const pty = await startPtyPair();
  const con = await SerialConsole.open({ address: pty.harnessPath });
  const board = fs.createWriteStream(pty.boardPath);
  board.on('error', () => undefined); // a write still queued when the bench ends
  await once(board, 'open');
  const times: number[] = [];
  try {
    for (let i = 0; i < samples + 20; i++) {
      const pending = con.expect(`bench-line-${i}\n`, { timeoutMs: 5000 });
      const t0 = process.hrtime.bigint();
      board.write(`Nov 26 10:00:00 board hubby[1]: bench-line-${i}\r\n`);
      await pending;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (i >= 20) times.push(ms); // the first few warm up the JIT
    }
  } finally {
    board.destroy();
    await con.close();
    await pty.stop();
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { p50Ms: q(0.5), p99Ms: q(0.99), maxMs: times.at(-1)!, samples: times.length };
}
