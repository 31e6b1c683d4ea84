import fs from 'node:fs';
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { descendants } from '../../harness/process/process-tree.ts';
import type { OpenSshServer } from '../../harness/testing/openssh-server.ts';
import { ControlHub } from './control-hub.ts';
import { forkTied } from './fork-tied.ts';
import { startPlaywrightRun } from './followers.ts';
import { cpuSeconds, memoryOf, pctOfCore, runQueueWaitMs } from './proc-stats.ts';
import type { GeneratorReply, GeneratorRequest, ScaleEnv } from './protocol.ts';

// One shape of harness against a fresh console generator: every board attached, an idle window
// (only daemon chatter), then all boards follow an update at once; CPU of each party over each
// window, memory of the followers, event latency and lost lines as the followers counted them.

const SETTLE_MS = 3000; // the boot output replayed at attach is parsed before the idle window opens
const IDLE_WINDOW_MS = 10_000;
const UPDATE_SPREAD_MS = 3000;

export interface ShapeFigures {
  shape: string;
  boards: number;
  attachSeconds: number;
  /** CPU the harness spent from its start until every board was attached. */
  attachCpuSeconds: number;
  rssPerBoardMiB: number;
  rssPerBoardMaxMiB: number;
  pssPerBoardMiB: number;
  rssMainMiB: number;
  cpuIdlePctOfCore: number;
  cpuUpdatePctOfCore: number;
  updateWindowSeconds: number;
  /** The Playwright runner's part of the harness's CPU, idle and during the update. */
  runnerCpuIdlePctOfCore: number;
  runnerCpuUpdatePctOfCore: number;
  generatorCpuIdlePctOfCore: number;
  generatorCpuUpdatePctOfCore: number;
  sshdCpuIdlePctOfCore: number;
  eventP50Ms: number;
  eventP99Ms: number;
  eventMaxMs: number;
  eventSamples: number;
  waitForP99Ms: number;
  /** The slowest events (board, kind, ms), to tell one stalled board from a general delay. */
  slowestEvents: string[];
  /** Mean time a harness process spent runnable but without a CPU during the update window (ms). */
  runQueueWaitUpdateMs: number;
  linesReceived: number;
  linesLost: number;
  linesOutOfOrder: number;
  loadAverage1m: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function quantile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : round1(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
}

interface Generator {
  ports: number[];
  pid: number;
  tell(m: GeneratorRequest): void;
  stopped(): Promise<number[]>;
  kill(): void;
}

async function startGenerator(boards: number, seed: number): Promise<Generator> {
  const child = forkTied('generator.ts', { SCALE_BOARDS: String(boards), SCALE_SEED: String(seed) });
  const replies: GeneratorReply[] = [];
  const next = <T extends GeneratorReply['type']>(type: T) =>
    new Promise<Extract<GeneratorReply, { type: T }>>((resolve, reject) => {
      const found = replies.find((r) => r.type === type);
      if (found) return resolve(found as Extract<GeneratorReply, { type: T }>);
      const onMessage = (m: GeneratorReply) => m.type === type && (child.off('exit', onExit), resolve(m as Extract<GeneratorReply, { type: T }>));
      const onExit = (code: number | null) => reject(new Error(`the console generator exited (code ${code}) before saying "${type}"`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  child.on('message', (m: GeneratorReply) => replies.push(m));
  const { ports } = await next('ready');
  return {
    ports,
    pid: child.pid!,
    tell: (m) => child.send(m),
    stopped: async () => (await next('stopped')).lastSeq,
    kill: () => child.kill(),
  };
}

function sshdPids(sshd: OpenSshServer): number[] {
  const master = Number(fs.readFileSync(`${sshd.dir}/sshd.pid`, 'utf8'));
  return [master, ...descendants(master)];
}

export async function measureShape(o: { boards: number; boardsPerWorker: number; seed: number; sshd: OpenSshServer; attachTimeoutMs: number }): Promise<ShapeFigures> {
  const { boards } = o;
  const hub = await ControlHub.start();
  const gen = await startGenerator(boards, o.seed);
  const env: ScaleEnv = { boards, boardsPerWorker: o.boardsPerWorker, controlPort: hub.port, consolePorts: gen.ports, ssh: o.sshd.target, timeoutMs: o.attachTimeoutMs + 60_000 };
  const followers = startPlaywrightRun(env);
  let failed = true;
  try {
    const t0 = performance.now();
    await hub.waitForAll('every board attached', () => hub.attached.size, boards, o.attachTimeoutMs, followers.gone);
    const attachSeconds = round1((performance.now() - t0) / 1000);

    const main = followers.mainPid();
    const followerPids = followers.followerPids();
    const unknown = [...new Set(hub.attached.values())].filter((p) => !followerPids.includes(p));
    if (unknown.length > 0) throw new Error(`followers ${unknown.join(', ')} are not among the processes found under the harness (${followerPids.join(', ')})`);
    const harness = main === undefined ? followerPids : [main, ...followerPids];
    const cpu = () => ({ harness: cpuSeconds(harness), runner: cpuSeconds(main === undefined ? [] : [main]), gen: cpuSeconds([gen.pid]), sshd: cpuSeconds(sshdPids(o.sshd)), waitMs: runQueueWaitMs(harness), at: performance.now() });
    const attachCpuSeconds = round1(cpu().harness);

    await delay(SETTLE_MS);
    const idle0 = cpu();
    await delay(IDLE_WINDOW_MS);
    const idle1 = cpu();

    gen.tell({ type: 'update', spreadMs: UPDATE_SPREAD_MS });
    const update0 = cpu();
    await hub.waitForAll('every board through its update', () => hub.updated.size, boards, 90_000, followers.gone);
    const update1 = cpu();
    const followerMemory = followerPids.map(memoryOf);
    const mainMemory = main === undefined ? undefined : memoryOf(main);
    const loadAverage1m = os.loadavg()[0];

    gen.tell({ type: 'stop' });
    const lastSeq = await gen.stopped();
    for (let b = 0; b < boards; b++) hub.tell(b, { type: 'finish', lastSeq: lastSeq[b] });
    await hub.waitForAll("every board's count of lines", () => hub.results.size, boards, 30_000, followers.gone);

    failed = false;
    const results = [...hub.results.values()];
    const slowestEvents = [...hub.results]
      .flatMap(([board, r]) => r.slowest.map((e) => ({ board, ...e })))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5)
      .map((e) => `board ${e.board} ${e.kind} ${round1(e.ms)} ms`);
    const eventMs = results.flatMap((r) => r.eventMs).sort((a, b) => a - b);
    const waitForMs = results.flatMap((r) => r.waitForMs).sort((a, b) => a - b);
    const perBoard = o.boardsPerWorker;
    const sum = (f: (m: (typeof followerMemory)[number]) => number) => followerMemory.reduce((a, m) => a + f(m), 0);
    const idleMs = idle1.at - idle0.at;
    const updateMs = update1.at - update0.at;
    return {
      shape: followers.shape,
      boards,
      attachSeconds,
      attachCpuSeconds,
      rssPerBoardMiB: round1(sum((m) => m.rssMiB) / boards),
      rssPerBoardMaxMiB: round1(Math.max(...followerMemory.map((m) => m.hwmMiB)) / perBoard),
      pssPerBoardMiB: round1(sum((m) => m.pssMiB) / boards),
      rssMainMiB: round1(mainMemory?.rssMiB ?? NaN),
      cpuIdlePctOfCore: pctOfCore(idle1.harness - idle0.harness, idleMs),
      cpuUpdatePctOfCore: pctOfCore(update1.harness - update0.harness, updateMs),
      updateWindowSeconds: round1(updateMs / 1000),
      runnerCpuIdlePctOfCore: pctOfCore(idle1.runner - idle0.runner, idleMs),
      runnerCpuUpdatePctOfCore: pctOfCore(update1.runner - update0.runner, updateMs),
      generatorCpuIdlePctOfCore: pctOfCore(idle1.gen - idle0.gen, idleMs),
      generatorCpuUpdatePctOfCore: pctOfCore(update1.gen - update0.gen, updateMs),
      sshdCpuIdlePctOfCore: pctOfCore(idle1.sshd - idle0.sshd, idleMs),
      eventP50Ms: quantile(eventMs, 0.5),
      eventP99Ms: quantile(eventMs, 0.99),
      eventMaxMs: round1(eventMs.at(-1) ?? NaN),
      eventSamples: eventMs.length,
      waitForP99Ms: quantile(waitForMs, 0.99),
      slowestEvents,
      runQueueWaitUpdateMs: round1((update1.waitMs - update0.waitMs) / harness.length),
      linesReceived: results.reduce((a, r) => a + r.lines, 0),
      linesLost: results.reduce((a, r) => a + r.lost, 0),
      linesOutOfOrder: results.reduce((a, r) => a + r.outOfOrder + r.unstamped, 0),
      loadAverage1m: round1(loadAverage1m),
    };
  } finally {
    await followers.stop(failed ? 0 : 20_000);
    gen.kill();
    hub.close();
  }
}
