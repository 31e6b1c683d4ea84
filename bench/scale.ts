import os from 'node:os';
import { startOpenSshServer } from '../harness/testing/openssh-server.ts';
import { measureShape, type ShapeFigures } from './scale/measure-shape.ts';

// Fifty boards from one lab host (issue 14): the harness attached to simulated boards at once, in
// the shape a rack run has (one Playwright worker per board, its console on a ser2net-style TCP
// port, an SSH session to a local OpenSSH server with keepalives), fed by one console generator
// for all boards. Then the same boards followed by one worker, the shape that would scale.
// Figures, not pass/fail; the targets are printed beside them. HIL_SCALE_SEED replays a console.

export type ScaleFigures = ShapeFigures & { seed: number; oneWorker?: ShapeFigures };

const line = (s: string) => process.stdout.write(`${s}\n`);

function print(f: ShapeFigures): void {
  line(`  ${f.shape}: ${f.boards} boards attached in ${f.attachSeconds} s, ${f.attachCpuSeconds} s of CPU   (load average ${f.loadAverage1m} on ${os.cpus().length} cores)`);
  line(`    RSS per board ${f.rssPerBoardMiB} MiB (max ${f.rssPerBoardMaxMiB}, PSS ${f.pssPerBoardMiB})   main process ${f.rssMainMiB} MiB   (target < 80 MiB per board)`);
  line(`    CPU of the harness: idle ${f.cpuIdlePctOfCore} % of a core, during the update ${f.cpuUpdatePctOfCore} % (${f.updateWindowSeconds} s), of which the runner ${f.runnerCpuIdlePctOfCore} % and ${f.runnerCpuUpdatePctOfCore} %   (target idle < 25 %)`);
  line(`    console generator ${f.generatorCpuIdlePctOfCore} % idle, ${f.generatorCpuUpdatePctOfCore} % during the update; sshd ${f.sshdCpuIdlePctOfCore} % idle`);
  line(`    event latency during the update: p50 ${f.eventP50Ms} ms   p99 ${f.eventP99Ms} ms   max ${f.eventMaxMs} ms   (${f.eventSamples} events; waitFor p99 ${f.waitForP99Ms} ms; target p99 < 50 ms)`);
  line(`    slowest: ${f.slowestEvents.join('; ')}   (each harness process waited ${f.runQueueWaitUpdateMs} ms for a CPU during the update)`);
  line(`    lines ${f.linesReceived} received, ${f.linesLost} lost, ${f.linesOutOfOrder} out of order   (target 0 lost)`);
}

/** Measures both shapes (the second unless `alsoOneWorker` is false); prints and returns the figures, the rack shape's at the top level. */
export async function benchScale(boards = 50, o: { alsoOneWorker?: boolean } = {}): Promise<ScaleFigures> {
  const seed = Number(process.env.HIL_SCALE_SEED ?? Math.floor(Math.random() * 2 ** 31));
  if (!Number.isInteger(seed)) throw new Error(`HIL_SCALE_SEED="${process.env.HIL_SCALE_SEED}": expected an integer`);
  line(`scale: ${boards} simulated boards from one host, seed ${seed} (HIL_SCALE_SEED to replay), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const sshd = await startOpenSshServer();
  try {
    const rack = await measureShape({ boards, boardsPerWorker: 1, seed, sshd, attachTimeoutMs: 150_000 });
    print(rack);
    const figures: ScaleFigures = { ...rack, seed };
    if (o.alsoOneWorker !== false) {
      figures.oneWorker = await measureShape({ boards, boardsPerWorker: boards, seed, sshd, attachTimeoutMs: 60_000 });
      print(figures.oneWorker);
    }
    return figures;
  } finally {
    await sshd.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 50);
  await benchScale(n);
}
