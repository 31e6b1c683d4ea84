import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// `hil parse-log` on a 1 GB syslog of OTA lines (issue 10): wall time, lines/s and peak RSS of the
// command as a child process, for --json and for the text form, output to /dev/null. Targets:
// peak RSS < 200 MiB, >= 100k lines/s. The log is generated in a temporary file and deleted after.

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const MiB = 1 << 20;
const LOG_BYTES = 1024 * MiB;
/** The log and some room to spare for everything else on the disk. */
const NEEDED_FREE_BYTES = LOG_BYTES + 512 * MiB;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');
const stamp = (s: number) => {
  const d = new Date(Date.UTC(2026, 0, 1) + s * 1000);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
};

/** A day in a board's syslog: daemon chatter and kernel noise, an OTA attempt every few thousand lines (mostly good, some refused or failing). */
function* syslogLines(): Generator<string> {
  const host = 'sama5d2-xplained-emmc';
  const dev = '012359551bf18eba';
  let t = 0;
  let version = 7000;
  for (let attempt = 0; ; attempt++) {
    for (let i = 0; i < 3000; i++) {
      t += i % 7 === 0 ? 1 : 0;
      const at = stamp(t);
      switch (i % 5) {
        case 0: yield `${at} ${host} kernel: [ ${t}.${String(i).padStart(6, '0')}] usb 1-1: device descriptor read/64, error -71`; break;
        case 1: yield `${at} ${host} attrd[363]: 3 handle_receive_message:len=17`; break;
        case 2: yield `${at} ${host} hubby[2014]: 4 HubConclave::Poll(): ${i} attributes pending, rssi -${40 + (i % 30)}`; break;
        case 3: yield `${at} ${host} wpa_supplicant[402]: wlan0: CTRL-EVENT-SIGNAL-CHANGE above=1 signal=-${50 + (i % 20)} noise=9999 txrate=65000`; break;
        default: yield `${at} ${host} otamgr[475]: 1 otamgr_poll:idle`;
      }
    }
    const at = () => stamp(++t);
    const h = (msg: string) => `${at()} ${host} hubby[2014]: ${msg}`;
    const next = version + 1;
    if (attempt % 10 === 9) {
      yield h(`BentoProduct::LocalOtaAllowed(5, ${version}): not newer than current version ${version}`);
      continue;
    }
    yield h(`BentoProduct::LocalOtaAllowed(5, ${next}): current version ${version}`);
    const url = `https://otacdn.dev.afero.io/ota-image${attempt}-b131-4da6-9814-89f9bf22d49c`;
    yield h(`DeviceUpdater::DownloadFile(${dev}, ${url}): adding easy 0x2c4410 to multi 0x1765a8`);
    yield h(`DeviceUpdater::CheckMultiInfos(): done: ${url} => /tmp/ota.update.${dev} (59282871) 200:0:`);
    yield h(`BentoProduct::LocalOtaComplete(5, /tmp/ota.update.${dev})`);
    yield h(`BentoProduct::LocalOtaComplete(/tmp/ota.update.${dev}): generating sha...`);
    yield h(`BentoProduct::LocalOtaComplete(/tmp/ota.update.${dev}): sha generated d5dedf43b14c1c5ef390bc1b15f6e5ac3653c2c9d4997c7cc4fba05c86b6ec2d`);
    yield h('3 verify image');
    if (attempt % 10 === 4) {
      yield h('BentoProduct::HandleValidateOTA(1)');
      continue;
    }
    yield h('3 done with OTA update verification');
    yield h('BentoProduct::HandleValidateOTA(0)');
    yield `${at()} ${host} attrd[363]: 1 client_set_own_attribute:attrId=51612,name=HUBBY_OTA_UPGRADE_PATH,owner=IPC.HUBBY,value[16]=2f746d702f6f74615f747970655f3500`;
    yield `${at()} ${host} otamgr[475]: I ota_notification:path=/tmp/ota_type_5`;
    yield `${at()} ${host} otamgr[475]: 2 af_util_system::{ /sbin/sysupgrade /tmp/ota_type_5.img; } ; disown -a`;
    yield `${at()} ${host} kernel: [  312.410000] reboot: Restarting system`;
    yield 'AT91Bootstrap 3.8.12 (Tue Oct 29 10:00:00 UTC 2019)';
    yield 'U-Boot 2018.07-linux4sam_6.0 (Oct 29 2019 - 10:00:00 +0000)';
    yield '[    0.000000] Linux version 4.14.73-linux4sam_6.0 (oe-user@oe-host) (gcc version 7.3.0 (GCC))';
    yield h(`BentoProduct::BentoProduct(): running hub version ${next}`);
    version = next;
  }
}

/** Writes about `bytes` of syslog to `file`; returns the line count. */
function writeLog(file: string, bytes: number): number {
  const fd = fs.openSync(file, 'w');
  let written = 0;
  let lines = 0;
  try {
    let batch: string[] = [];
    let size = 0;
    for (const line of syslogLines()) {
      batch.push(line);
      size += line.length + 1;
      lines++;
      if (size >= 4 * MiB || written + size >= bytes) {
        written += fs.writeSync(fd, `${batch.join('\n')}\n`);
        batch = [];
        size = 0;
        if (written >= bytes) break;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return lines;
}

interface Run {
  wallS: number;
  peakRssMiB: number;
}

/** Runs `node bin/hil.js parse-log FILE [--json]` with stdout to /dev/null; peak RSS from GNU time, else from /proc VmHWM. */
async function runParseLog(file: string, json: boolean): Promise<Run> {
  const args = ['bin/hil.js', 'parse-log', file, ...(json ? ['--json'] : [])];
  const gnuTime = fs.existsSync('/usr/bin/time');
  const devNull = fs.openSync('/dev/null', 'w');
  const t0 = performance.now();
  const child = gnuTime
    ? spawn('/usr/bin/time', ['-v', process.execPath, ...args], { cwd: root, stdio: ['ignore', devNull, 'pipe'] })
    : spawn(process.execPath, args, { cwd: root, stdio: ['ignore', devNull, 'pipe'] });
  fs.closeSync(devNull);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // Without GNU time: VmHWM (the peak RSS so far) sampled until the process exits; the last sample is the peak.
  let hwmKiB = 0;
  const sampler = gnuTime
    ? undefined
    : setInterval(() => {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwmKiB = Math.max(hwmKiB, Number(m[1]));
      }, 50);
  const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('exit', (c) => resolve(c)));
  const wallS = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  if (code !== 0) throw new Error(`hil parse-log ${json ? '--json ' : ''}exited ${code}: ${stderr.slice(-2000)}`);
  if (gnuTime) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
    if (!m) throw new Error(`/usr/bin/time -v gave no "Maximum resident set size": ${stderr.slice(-500)}`);
    hwmKiB = Number(m[1]);
  }
  return { wallS, peakRssMiB: Math.round(hwmKiB / 1024) };
}

export async function benchParseBigLog(): Promise<Record<string, number>> {
  const line = (s: string) => process.stdout.write(`${s}\n`);
  const tmp = os.tmpdir();
  const free = fs.statfsSync(tmp);
  const freeBytes = free.bavail * free.bsize;
  if (freeBytes < NEEDED_FREE_BYTES) {
    line(`  skipped: ${tmp} has ${Math.round(freeBytes / MiB)} MiB free, the 1 GiB log needs ${NEEDED_FREE_BYTES / MiB} MiB`);
    return {};
  }
  const dir = fs.mkdtempSync(path.join(tmp, 'hil-big-log-'));
  const file = path.join(dir, 'messages');
  try {
    let t0 = performance.now();
    const lines = writeLog(file, LOG_BYTES);
    const logMiB = Math.round(fs.statSync(file).size / MiB);
    line(`  generated ${logMiB} MiB, ${lines.toLocaleString('en')} lines in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const results: Record<string, number> = { logMiB, lines };
    for (const json of [true, false]) {
      const r = await runParseLog(file, json);
      const name = json ? 'json' : 'text';
      results[`${name}WallS`] = Number(r.wallS.toFixed(1));
      results[`${name}LinesPerSec`] = Math.round(lines / r.wallS);
      results[`${name}PeakRssMiB`] = r.peakRssMiB;
      line(`  parse-log ${json ? '--json' : '(text)'}: ${r.wallS.toFixed(1)} s, ${Math.round(lines / r.wallS).toLocaleString('en')} lines/s, peak RSS ${r.peakRssMiB} MiB   (targets: >= 100,000 lines/s, < 200 MiB)`);
    }
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write('hil parse-log on a 1 GiB syslog\n');
  await benchParseBigLog();
}
