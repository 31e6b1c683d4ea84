import net from 'node:net';
import readline from 'node:readline';
import { SerialConsole } from '../../harness/console/serial-console.ts';
import { OtaEventLog } from '../../harness/logs/event-log.ts';
import type { OtaEvent } from '../../harness/logs/parse.ts';
import type { OtaEventKind } from '../../harness/logs/catalog.ts';
import { SshSession } from '../../harness/ssh/ssh-session.ts';
import { hostClockMs, readStamp } from '../../harness/testing/console-replay.ts';
import { waitUntil } from '../../harness/wait/wait-until.ts';
import type { FollowerMessage, FollowerResult, HubMessage, ScaleEnv } from './protocol.ts';

// One board as a rack run follows it: its console through the harness's SerialConsole (a
// ser2net-style TCP port) feeding an OtaEventLog, and an SSH session with keepalives. It waits
// for the update the way the OTA flow does (events.waitFor, in order), and counts every stamped
// line, so that the bench learns what was lost and how late each event was seen.

/** The events awaited in turn, as the OTA flow awaits its phases. */
const AWAITED: readonly OtaEventKind[] = ['ota-allowed', 'download-done', 'validated', 'sysupgrade-invoked', 'reboot', 'kernel-boot', 'running-version'];

class ControlLink {
  private readonly socket: net.Socket;
  private finish: Promise<HubMessage>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    const lines = readline.createInterface({ input: socket });
    this.finish = new Promise((resolve, reject) => {
      lines.on('line', (l) => resolve(JSON.parse(l) as HubMessage));
      socket.once('close', () => reject(new Error('the bench closed the control connection before telling the follower to finish')));
    });
    this.finish.catch(() => undefined);
  }

  static connect(port: number): Promise<ControlLink> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(new ControlLink(s)));
      s.once('error', reject);
    });
  }

  tell(m: FollowerMessage): void {
    this.socket.write(`${JSON.stringify(m)}\n`);
  }

  finished(): Promise<HubMessage> {
    return this.finish;
  }

  close(): void {
    this.socket.end();
  }
}

/** Counts stamped lines by sequence number. */
class SequenceCounter {
  next = 0;
  lines = 0;
  gaps = 0;
  outOfOrder = 0;
  unstamped = 0;

  take(seq: number): void {
    this.lines++;
    if (seq < this.next) this.outOfOrder++;
    else {
      this.gaps += seq - this.next;
      this.next = seq + 1;
    }
  }
}

export async function followBoard(env: ScaleEnv, board: number): Promise<FollowerResult> {
  const control = await ControlLink.connect(env.controlPort);
  const serial = await SerialConsole.open({ address: `127.0.0.1:${env.consolePorts[board]}`, name: `board ${board} console` });
  const ssh = new SshSession(env.ssh, { keepaliveIntervalMs: 2000 });
  try {
    const events = new OtaEventLog(`board ${board}`);
    const counter = new SequenceCounter();
    const writtenAt = new WeakMap<OtaEvent, number>();
    const eventMs: number[] = [];
    const slowest: FollowerResult['slowest'] = [];
    const waitForMs: number[] = [];
    let lineWrittenAt = 0;
    let updating = false;
    events.on('event', (ev: OtaEvent) => {
      writtenAt.set(ev, lineWrittenAt);
      if (ev.kind === 'ota-allowed') updating = true;
      if (!updating) return;
      const ms = hostClockMs() - lineWrittenAt;
      eventMs.push(ms);
      slowest.push({ kind: ev.kind, ms });
      slowest.sort((a, b) => b.ms - a.ms).splice(3);
    });
    serial.onLineReceived((line) => {
      const stamp = readStamp(line);
      if (!stamp) return void counter.unstamped++;
      counter.take(stamp.seq);
      lineWrittenAt = stamp.writtenAtMs;
      events.feed(stamp.text);
    });

    await ssh.waitUntilUp({ timeoutMs: 60_000, phase: 'attach' });
    await ssh.exec('cat /proc/sys/kernel/random/boot_id', { check: true, timeoutMs: 30_000, phase: 'attach' });
    control.tell({ type: 'attached', board, pid: process.pid });

    for (const kind of AWAITED) {
      const ev = await events.waitFor(kind, { timeoutMs: kind === 'ota-allowed' ? env.timeoutMs : 60_000, phase: 'update' });
      waitForMs.push(hostClockMs() - writtenAt.get(ev)!);
    }
    await ssh.exec('cat /proc/sys/kernel/random/boot_id', { check: true, timeoutMs: 30_000, phase: 'check' });
    control.tell({ type: 'updated', board });

    const { lastSeq } = await control.finished();
    await waitUntil<void>({
      awaited: `the console line with sequence number ${lastSeq}`,
      where: serial.name,
      timeoutMs: 15_000,
      lastLines: () => serial.lastLines(5),
      watch: (resolve) => {
        if (counter.next > lastSeq) return resolve();
        return serial.onLineReceived(() => counter.next > lastSeq && resolve());
      },
    }).catch(() => undefined); // what never came counts as lost below
    const result: FollowerResult = {
      pid: process.pid,
      lines: counter.lines,
      lost: counter.gaps + Math.max(0, lastSeq + 1 - counter.next),
      outOfOrder: counter.outOfOrder,
      unstamped: counter.unstamped,
      eventMs,
      waitForMs,
      slowest,
    };
    control.tell({ type: 'result', board, result });
    return result;
  } catch (e) {
    control.tell({ type: 'failed', board, error: (e as Error).message.split('\n')[0] });
    throw e;
  } finally {
    ssh.close();
    await serial.close();
    control.close();
  }
}
