import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseLog, parseLine, eventToJson } from './parse.ts';
import { buildTimeline, phaseNames, splitAttempts } from './timeline.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const seed = fs.readFileSync(path.join(here, 'fixtures/sama5d2-seed.log'), 'utf8');
const seedThenReboot = fs.readFileSync(path.join(here, 'fixtures/sama5d2-seed-then-reboot.log'), 'utf8');
const root = path.resolve(here, '../..');

const seedKinds = [
  'ota-allowed', 'download-start', 'download-done', 'image-received', 'sha-start', 'sha-generated', 'verify-start',
  'verify-done', 'validated', 'upgrade-path-set', 'otamgr-notified', 'sysupgrade-invoked',
];

test('the seed SAMA5D2 trace parses to its events, with fields and syslog times', () => {
  const events = parseLog(seed);
  expect(events.map((e) => e.kind)).toEqual(seedKinds);
  const [allowed, start, done] = events;
  expect(allowed.fields).toEqual({ imageType: 5, versionNumber: '7112', currentVersion: '0' });
  expect(allowed).toMatchObject({ lineNo: 1, syslogTime: 'Oct 30 21:11:55', host: 'sama5d2-xplained-emmc', program: 'hubby', pid: 2014 });
  expect(start.fields.deviceId).toBe('012359551bf18eba');
  expect(done.fields).toMatchObject({ bytes: 59282871, httpStatus: 200, path: '/tmp/ota.update.012359551bf18eba' });
  expect(events.find((e) => e.kind === 'sha-generated')!.fields.sha256).toBe('d5dedf43b14c1c5ef390bc1b15f6e5ac3653c2c9d4997c7cc4fba05c86b6ec2d');
  expect(events.find((e) => e.kind === 'upgrade-path-set')!.fields).toEqual({ attrId: 51612, owner: 'IPC.HUBBY', path: '/tmp/ota_type_5' });
  expect(events.find((e) => e.kind === 'sysupgrade-invoked')!.fields.path).toBe('/tmp/ota_type_5.img');
});

test('the seed trace followed by the reboot is an update, every phase done and in order', () => {
  const t = buildTimeline(parseLog(seedThenReboot), { year: 2019 });
  expect(t.verdict).toBe('updated');
  expect(t.phases.map((p) => p.name)).toEqual([...phaseNames]);
  expect(t.phases.every((p) => p.status === 'done')).toBe(true);
  for (let i = 1; i < t.phases.length; i++) expect(t.phases[i].start!).toBeGreaterThanOrEqual(t.phases[i - 1].start!);
  expect(t.phases.map((p) => p.durationMs)).toEqual([60_000, 5_000, 9_000, 31_000, 41_000]);
  expect(t).toMatchObject({ targetVersion: '7112', previousVersion: '0', runningVersion: '7112' });
});

test('the seed trace alone stops during install: incomplete, not updated', () => {
  const t = buildTimeline(parseLog(seed));
  expect(t.verdict).toBe('incomplete');
  expect(t.phases.map((p) => p.status)).toEqual(['done', 'done', 'done', 'open', 'not-reached']);
  expect(t.summary).toBe('the log ends during the install phase');
});

test('a console transcript (CRLF, escape codes, kernel messages interleaved) parses like the syslog', () => {
  const lines = seedThenReboot.split('\n');
  const noisy = lines
    .flatMap((l, i) => (i % 3 === 0 ? [`[  ${100 + i}.123456] usb 1-1: new high-speed USB device number ${i}`, l] : [l]))
    .map((l, i) => (i % 4 === 0 ? `\x1b[0;32m${l}\x1b[0m\x1b[6n` : l))
    .join('\r\n');
  const events = parseLog(Buffer.from(noisy));
  expect(events.map((e) => e.kind)).toEqual(parseLog(seedThenReboot).map((e) => e.kind));
  expect(buildTimeline(events).verdict).toBe('updated');
});

const at = (t: string, prog: string, msg: string) => `Nov 26 10:${t} board ${prog}: ${msg}`;
const allowed = at('00:00', 'hubby[10]', 'BentoProduct::LocalOtaAllowed(5, 12): current version 11');
const download = [
  at('00:01', 'hubby[10]', 'DeviceUpdater::DownloadFile(0123456789abcdef, http://10.0.2.2:8080/dl/12): adding easy 0x1 to multi 0x2'),
  at('00:09', 'hubby[10]', 'DeviceUpdater::CheckMultiInfos(): done: http://10.0.2.2:8080/dl/12 => /tmp/ota.update.0123456789abcdef (14000216) 200:0:'),
  at('00:09', 'hubby[10]', 'BentoProduct::LocalOtaComplete(5, /tmp/ota.update.0123456789abcdef)'),
];

test('failure traces: each failure string gives its event and verdict', () => {
  const cases: { lines: string[]; kind: string; verdict: string; reason?: RegExp }[] = [
    { lines: [at('00:00', 'hubby[10]', 'BentoProduct::LocalOtaAllowed(7, 12): unsupported image type')], kind: 'ota-refused', verdict: 'refused', reason: /unsupported image type/ },
    { lines: [at('00:00', 'hubby[10]', 'BentoProduct::LocalOtaAllowed(5, 11): version 11 not newer than current version 11')], kind: 'ota-refused', verdict: 'refused', reason: /not newer/ },
    { lines: [allowed, at('00:01', 'hubby[10]', 'HubConclave::HandleDeviceOta(5, 1, 0123456789abcdef): not allowed to do local OTA')], kind: 'ota-refused', verdict: 'refused' },
    { lines: [allowed, download[0], at('00:05', 'hubby[10]', 'DeviceUpdater::DownloadDone(0123456789abcdef, http://x/12): error downloading file status=28')], kind: 'download-failed', verdict: 'failed', reason: /status=28/ },
    { lines: [allowed, download[0], at('00:05', 'hubby[10]', 'DeviceUpdater::DownloadDone(0123456789abcdef, /tmp/ota.update.x): error reading ota image header from file, bytes read 100')], kind: 'validation-failed', verdict: 'rejected', reason: /bytes read 100/ },
    { lines: [allowed, ...download, at('00:10', 'hubby[10]', "BentoProduct::LocalOtaComplete(/tmp/ota.update.x): image size 1000 doesn't match value in header 2000")], kind: 'validation-failed', verdict: 'rejected', reason: /image size 1000/ },
    { lines: [allowed, ...download, at('00:10', 'hubby[10]', '3 verify image'), at('00:10', 'hubby[10]', 'BentoProduct::HandleValidateOTA(1)')], kind: 'validation-failed', verdict: 'rejected' },
    { lines: [allowed, ...download, at('00:10', 'hubby[10]', 'BentoProduct::HandleValidateOTA(0)'), at('00:11', 'otamgr[5]', 'W otamgr_cp:ret=-1:header file copy to root failed')], kind: 'otamgr-failed', verdict: 'failed' },
    { lines: [allowed, ...download, at('00:10', 'hubby[10]', 'BentoProduct::HandleValidateOTA(0)'), at('00:11', 'otamgr[5]', 'E system:command returned 127')], kind: 'otamgr-failed', verdict: 'failed', reason: /127/ },
    { lines: [allowed, ...download, at('00:10', 'hubby[10]', 'BentoProduct::HandleValidateOTA(0)'), at('00:11', 'otamgr[5]', '2 af_util_system::{ /sbin/sysupgrade /tmp/ota_type_5.img; } ; disown -a'), 'sh: /sbin/sysupgrade: No such file or directory'], kind: 'sysupgrade-missing', verdict: 'failed' },
    { lines: [allowed, ...download, at('00:10', 'hubby[10]', 'BentoProduct::HandleValidateOTA(0)'), at('00:11', 'otamgr[5]', '2 af_util_system::{ /sbin/sysupgrade /tmp/ota_type_5.img; } ; disown -a'), at('00:12', 'sysupgrade[77]', 'E header type 04 is not 05 (tar.gz): nothing changed')], kind: 'install-failed', verdict: 'failed', reason: /header type/ },
  ];
  for (const c of cases) {
    const events = parseLog(c.lines.join('\n'));
    expect(events.at(-1)?.kind, c.lines.at(-1)).toBe(c.kind);
    const t = buildTimeline(events);
    expect(t.verdict, c.lines.at(-1)).toBe(c.verdict);
    if (c.reason) expect(t.summary).toMatch(c.reason);
  }
});

test('a reboot back into the old version (rollback) is a failure, not an update', () => {
  const lines = [
    allowed, ...download,
    at('00:10', 'hubby[10]', 'BentoProduct::HandleValidateOTA(0)'),
    at('00:11', 'otamgr[5]', '2 af_util_system::{ /sbin/sysupgrade /tmp/ota_type_5.img; } ; disown -a'),
    '[   30.1] reboot: Restarting system',
    'U-Boot 2023.01+dfsg-2 (Jan 10 2024 - 10:00:00 +0000)',
    at('02:00', 'hubby[9]', 'BentoProduct::BentoProduct(): running hub version 11'),
  ];
  const t = buildTimeline(parseLog(lines.join('\n')));
  expect(t.verdict).toBe('failed');
  expect(t.summary).toContain('runs version 11, not the new 12');
});

test('a log with two updates in a row is two attempts; the verdict is the last one', () => {
  const two = seedThenReboot + '\n' + seedThenReboot.replaceAll('7112', '7113').replace('current version 0', 'current version 7112');
  const events = parseLog(two);
  expect(splitAttempts(events)).toHaveLength(2);
  expect(buildTimeline(events)).toMatchObject({ verdict: 'updated', previousVersion: '7112', runningVersion: '7113' });
});

test('lines that are not OTA lines give no event', () => {
  for (const l of ['', 'Oct 30 21:13:01 host attrd[363]: 3 handle_receive_message:len=17', 'hubby ota function 0::012359551bf18eba::0::59282871', 'Starting kernel ...']) {
    expect(parseLine(l, 1)).toBeUndefined();
  }
});

test("the kernel's boot banner counts on the console, not in klogd's later copy in syslog", () => {
  expect(parseLine('[    0.000000] Linux version 6.1.0-50-armmp (debian-kernel@lists.debian.org) (gcc-12)', 1)).toMatchObject({ kind: 'kernel-boot', fields: { kernelVersion: '6.1.0-50-armmp' } });
  for (const relayed of [
    'Oct 30 21:14:21 sama5d2-xplained-emmc kernel: [    0.000000] Linux version 4.14.73-linux4sam_6.0 (oe-user@oe-host) (gcc)',
    'Nov 26 22:56:39 kernel: [    0.000000] Linux version 6.1.0-50-armmp (debian-kernel@lists.debian.org) (gcc-12)',
  ]) {
    expect(parseLine(relayed, 1)).toBeUndefined();
  }
});

test('hil parse-log prints the events and timeline, and --json the documented shape', () => {
  const file = path.join(here, 'fixtures/sama5d2-seed-then-reboot.log');
  const text = execFileSync('node', ['bin/hil.js', 'parse-log', file], { cwd: root }).toString();
  expect(text).toContain('verdict: updated (updated from version 0 to version 7112)');
  expect(text).toMatch(/download\s+done\s+21:11:55 -> 21:12:55\s+60\.0 s/);
  const json = JSON.parse(execFileSync('node', ['bin/hil.js', 'parse-log', '--json', file], { cwd: root }).toString());
  expect(json.verdict).toBe('updated');
  expect(json.phases.map((p: { name: string }) => p.name)).toEqual([...phaseNames]);
  expect(json.events[0]).toMatchObject({ kind: 'ota-allowed', lineNo: 1, versionNumber: '7112', currentVersion: '0' });
  expect(json.events[0].line).toContain('BentoProduct::LocalOtaAllowed(5, 7112)');
});

test('hil parse-log on a missing file says so and exits 2', () => {
  let status = 0;
  let stderr = '';
  try {
    execFileSync('node', ['bin/hil.js', 'parse-log', '/no/such.log'], { cwd: root, stdio: 'pipe' });
  } catch (e) {
    status = (e as { status: number }).status;
    stderr = (e as { stderr: Buffer }).stderr.toString();
  }
  expect(status).toBe(2);
  expect(stderr).toContain('cannot read /no/such.log: ENOENT');
});

/** A temporary folder for one test, removed after it. */
function withTmp(run: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-parse-log-test-'));
  try {
    run(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const threeAttempts = [
  seedThenReboot,
  seedThenReboot.replaceAll('7112', '7113').replace('current version 0', 'current version 7112'),
  'Oct 30 22:00:00 sama5d2-xplained-emmc hubby[2014]: BentoProduct::LocalOtaAllowed(7, 7114): unsupported image type',
].join('\n');

test('hil parse-log --json streams one JSON document: every event, the last verdict, every attempt', () => {
  withTmp((dir) => {
    const file = path.join(dir, 'three.log');
    fs.writeFileSync(file, threeAttempts);
    const json = JSON.parse(execFileSync('node', ['bin/hil.js', 'parse-log', '--json', file], { cwd: root }).toString());
    const events = parseLog(threeAttempts);
    const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v));
    expect(json.events).toEqual(roundTrip(events.map(eventToJson)));
    const attempts = splitAttempts(events).map((a) => buildTimeline(a));
    expect(json.attempts).toEqual(roundTrip(attempts));
    expect(json.attempts.map((a: { verdict: string }) => a.verdict)).toEqual(['updated', 'updated', 'refused']);
    expect(json).toMatchObject({ verdict: 'refused', summary: 'hubby refused the image (unsupported image type)', phases: roundTrip(attempts[2].phases) });
    expect(Object.keys(json)).toEqual(['events', 'phases', 'verdict', 'summary', 'attempts']);
  });
});

test('hil parse-log prints each attempt of a log with several, then the counts', () => {
  withTmp((dir) => {
    const file = path.join(dir, 'three.log');
    fs.writeFileSync(file, threeAttempts);
    const text = execFileSync('node', ['bin/hil.js', 'parse-log', file], { cwd: root }).toString();
    expect(text.match(/^attempt \d+$/gm)).toEqual(['attempt 1', 'attempt 2', 'attempt 3']);
    expect(text).toContain('verdict: updated (updated from version 7112 to version 7113)');
    expect(text).toContain('verdict: refused (hubby refused the image (unsupported image type))');
    expect(text.trimEnd().split('\n').at(-1)).toBe(`${file}: 39 OTA events, 3 attempt(s) in ${threeAttempts.split('\n').length} lines`);
  });
});

/** Peak RSS in MiB of `hil parse-log --json file`, its output thrown away (GNU time's maximum resident set size). */
function peakRssMiB(file: string): number {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'node', 'bin/hil.js', 'parse-log', '--json', file], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  expect(r.status, r.stderr.toString()).toBe(0);
  return Number(r.stderr.toString().trim().split('\n').at(-1)) / 1024;
}

test('hil parse-log keeps its memory flat on a big log with a huge garbage line', () => {
  test.skip(!fs.existsSync('/usr/bin/time'), 'needs GNU time for the peak RSS');
  test.setTimeout(120_000);
  withTmp((dir) => {
    const write = (file: string, mib: number) => {
      const fd = fs.openSync(file, 'w');
      const noise = Array.from({ length: 400 }, (_, i) => `Oct 30 21:20:${String(i % 60).padStart(2, '0')} sama5d2-xplained-emmc kernel: [ ${i}.000000] usb 1-1: device descriptor read/64, error -71`).join('\n');
      const block = Buffer.from(`${seedThenReboot}\n${noise}\n`);
      for (let written = 0; written < mib << 20; written += block.length) fs.writeSync(fd, block);
      // A console gone wild: 16 MiB without a line end, then the log goes on.
      fs.writeSync(fd, Buffer.alloc(16 << 20, 'DeviceUpdater::DownloadFile('));
      fs.writeSync(fd, `\n${seedThenReboot}\n`);
      fs.closeSync(fd);
    };
    write(path.join(dir, 'small.log'), 8);
    write(path.join(dir, 'big.log'), 96);
    const small = peakRssMiB(path.join(dir, 'small.log'));
    const big = peakRssMiB(path.join(dir, 'big.log'));
    expect(big, `peak RSS on 112 MiB of log (${small.toFixed(0)} MiB on 24 MiB)`).toBeLessThan(200);
    expect(big - small, 'growth of the peak RSS from 24 to 112 MiB of log').toBeLessThan(50);
  });
});

test('hil parse-log stops quietly when its reader goes away', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-parse-log-test-'));
  try {
    const file = path.join(dir, 'long.log');
    fs.writeFileSync(file, `${seedThenReboot}\n`.repeat(2000));
    const child = spawn('node', ['bin/hil.js', 'parse-log', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve, reject) => child.on('error', reject).on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
