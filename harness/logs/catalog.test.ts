import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog, matchEntry, MAX_MATCHED_LINE, otaEventKinds } from './catalog.ts';
import { parseLine, parseLog } from './parse.ts';
import { buildTimeline } from './timeline.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const guest = path.resolve(here, '../../boards/virtual');
const HOSTILE_CHARS = 100_000;

/** Repeats `unit` up to about `chars` characters. */
const fill = (unit: string, chars = HOSTILE_CHARS) => unit.repeat(Math.ceil(chars / unit.length));

test('every catalog pattern is linear: hostile 100k-character lines built on each needle match in well under a second', () => {
  // Characters each pattern's classes take (digits, words, spaces, separators, brackets), and the
  // contexts the look-behind patterns want before their needle.
  const fillers = ['', '1', 'a', ' ', ', ', '(', ')', '1, ', ': ', '0x1 '];
  const contexts = ['', 'sysupgrade[1]', 'otamgr[1]: ', ' 3 '];
  let worst = { ms: 0, what: '' };
  for (const entry of catalog) {
    for (const ctx of contexts) {
      for (const f of fillers) {
        for (const line of [fill(ctx + entry.needle + f), ctx + entry.needle + fill(f || 'x')]) {
          const t0 = performance.now();
          matchEntry(entry, line); // the whole line: the pattern itself must be linear, not just the cut
          parseLine(line, 1);
          const ms = performance.now() - t0;
          if (ms > worst.ms) worst = { ms, what: `${entry.kind} /${entry.pattern.source}/ on ${JSON.stringify(line.slice(0, 60))}...` };
        }
      }
    }
  }
  expect(worst.ms, `slowest: ${worst.what}`).toBeLessThan(250);
});

test("the download-start line of issue 10 (32k 'DownloadFile(' and no comma) parses at once", () => {
  const line = `Nov 26 10:00:01 board hubby[10]: ${'DeviceUpdater::DownloadFile('.repeat(32_768)}`;
  const t0 = performance.now();
  expect(parseLine(line, 1)).toBeUndefined();
  expect(matchEntry(catalog.find((e) => e.kind === 'download-start')!, line)).toBeNull();
  expect(performance.now() - t0).toBeLessThan(250);
});

test(`a line past ${MAX_MATCHED_LINE} characters is cut before matching`, () => {
  const allowed = 'Nov 26 10:00:00 board hubby[10]: BentoProduct::LocalOtaAllowed(5, 12): current version 11';
  const long = parseLine(`${allowed} ${'x'.repeat(10_000)}`, 1);
  expect(long).toMatchObject({ kind: 'ota-allowed', fields: { versionNumber: '12' } });
  expect(long!.line).toHaveLength(MAX_MATCHED_LINE);
  // An OTA line glued after garbage: not a daemon's line.
  expect(parseLine(`${'x'.repeat(MAX_MATCHED_LINE)}${allowed}`, 1)).toBeUndefined();
});

// The virtual board's own lines, taken from its scripts as they are now, so that a change of
// wording in the guest shows here: the suites wait for these events, not for the words.

function script(rel: string): string {
  return fs.readFileSync(path.join(guest, rel), 'utf8');
}

/** The quoted format string in `source` that `pattern` (with one capture) finds. */
function template(source: string, pattern: RegExp, where: string): string {
  const m = pattern.exec(source);
  if (!m) throw new Error(`${where}: no line matches ${pattern}`);
  return m[1];
}

/** Fills a shell format string's $name and ${name}. */
function expand(format: string, vars: Record<string, string>): string {
  return format.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    if (!(name in vars)) throw new Error(`no value for $${name} in ${JSON.stringify(format)}`);
    return vars[name];
  });
}

const hostname = script('guest/etc/hostname').trim();
/** As busybox syslogd -S writes it (log.sh puts the host into the tag), and as `logger -s` prints it on the console. */
const syslog = (prog: string, msg: string) => `Nov 26 22:56:39 ${hostname} ${prog}: ${msg}`;
const loggerStderr = (prog: string, msg: string) => `${hostname} ${prog}: ${msg}`;

test("the virtual board's sysupgrade lines give install-writing, slot-switched and install-failed", () => {
  const sysupgrade = script('guest/sbin/sysupgrade');
  const vars = { img: '/tmp/ota_type_5.img', next: '3', current: '2', type: '04', '*': '' };
  const writing = expand(template(sysupgrade, /^log "(I writing [^"]*)"$/m, 'sbin/sysupgrade'), vars);
  expect(parseLine(syslog('sysupgrade[812]', writing), 1)).toMatchObject({ kind: 'install-writing', program: 'sysupgrade', pid: 812, fields: { path: '/tmp/ota_type_5.img', device: '/dev/vda3' } });

  const switched = expand(template(sysupgrade, /^log_console "(I boot_part switched [^"]*)"$/m, 'sbin/sysupgrade'), vars);
  for (const line of [loggerStderr('sysupgrade[812]', switched), syslog('sysupgrade[812]', switched)]) {
    expect(parseLine(line, 1), line).toMatchObject({ kind: 'slot-switched', fields: { fromPartition: '2', toPartition: '3' } });
  }

  const failFormat = template(sysupgrade, /^fail\(\) \{ log "([^"]*)"/m, 'sbin/sysupgrade');
  const why = expand(template(sysupgrade, /fail "(header type [^"]*)"/, 'sbin/sysupgrade'), vars);
  const failed = parseLine(syslog('sysupgrade[812]', failFormat.replace('$*', why)), 1);
  expect(failed).toMatchObject({ kind: 'install-failed', fields: { reason: 'header type 04, expected 05 (tar.gz)' } });
});

test("the board twins' sysupgrade lines give install-writing and slot-switched too", () => {
  for (const [twin, vars, device, from, to] of [
    ['sama5d2', { img: '/tmp/ota_type_5.img', next: '3', current: '2' }, '/dev/mmcblk0p3', '2', '3'],
    ['bbgw', { img: '/tmp/ota_type_5.img', next: '4', current: '0:3' }, '/dev/mmcblk1p4', '0:3', '0:4'],
  ] as const) {
    const sysupgrade = fs.readFileSync(path.join(guest, `../twins/${twin}/guest/sbin/sysupgrade`), 'utf8');
    const host = fs.readFileSync(path.join(guest, `../twins/${twin}/guest/etc/hostname`), 'utf8').trim();
    const writing = expand(template(sysupgrade, /^log "(I writing [^"]*)"$/m, `${twin} sbin/sysupgrade`), vars);
    expect(parseLine(`Nov 27 06:00:01 ${host} sysupgrade[301]: ${writing}`, 1), writing).toMatchObject({ kind: 'install-writing', fields: { path: '/tmp/ota_type_5.img', device } });
    const switched = expand(template(sysupgrade, /^log_console "(I boot_?part switched [^"]*)"$/m, `${twin} sbin/sysupgrade`), vars);
    for (const line of [`sysupgrade[301]: ${switched}`, `Nov 27 06:00:09 ${host} sysupgrade[301]: ${switched}`]) {
      expect(parseLine(line, 1), line).toMatchObject({ kind: 'slot-switched', fields: { fromPartition: from, toPartition: to } });
    }
  }
});

test("the virtual board's boot script's rollback gives bootloader-rollback, on the console only", () => {
  const format = template(script('boot.cmd'), /echo "(ota-hil: boot_part [^"]*rolling back)"/, 'boot.cmd');
  const line = expand(format, { boot_part: '3', bootlimit: '3' });
  expect(parseLine(line, 1)).toMatchObject({ kind: 'bootloader-rollback', fields: { fromPartition: '3', failedBoots: 3 } });
  expect(parseLog(Buffer.from(`U-Boot 2023.01 (Jan 10 2024)\r\n${line}\r\n`)).map((e) => e.kind)).toEqual(['bootloader', 'bootloader-rollback']);
  // Never in syslog: a copy there would be a replay, not the bootloader.
  expect(parseLine(syslog('kernel', line), 1)).toBeUndefined();
});

test("the virtual board's hubby refusals name the failed check", () => {
  const hubby = script('guest/usr/sbin/hubby');
  const verify = script('guest/usr/bin/ota-verify-header');
  const sizeFormat = template(hubby, /"image size "\*\) log "([^"]*)"/, 'usr/sbin/hubby');
  const otherFormat = template(hubby, /\*\) log "(BentoProduct::ValidateOtaHeader[^"]*\$why)"/, 'usr/sbin/hubby');
  const vars = { file: '/tmp/ota.update.0123456789abcdef', type: '06', got: 'a'.repeat(64), sha: 'b'.repeat(64), actual: '1000', size: '2000' };
  const cases = [
    { why: /fail "(bad header signature)"/, check: 'signature' },
    { why: /fail "(image sha256 [^"]*)"/, check: 'sha256' },
    { why: /fail "(header type [^"]*)"/, check: 'image-type', imageType: 6 },
    { why: /fail "(image size [^"]*)"/, check: 'image-size' },
  ];
  for (const c of cases) {
    const why = expand(template(verify, c.why, 'usr/bin/ota-verify-header'), vars);
    const msg = expand((why.startsWith('image size ') ? sizeFormat : otherFormat).replace('$why', why), vars);
    const ev = parseLine(syslog('hubby[2014]', msg), 1);
    expect(ev, msg).toMatchObject({ kind: 'validation-failed', fields: { failedCheck: c.check, reason: why } });
    if (c.imageType !== undefined) expect(ev!.fields.imageType).toBe(c.imageType);
  }
  // A refusal whose line does not say why (the real hubby's HandleValidateOTA(1)) names no check.
  expect(parseLine(syslog('hubby[2014]', 'BentoProduct::HandleValidateOTA(1)'), 1)!.fields.failedCheck).toBeUndefined();
});

test('a rollback by the bootloader after the reboot fails the attempt, and says so', () => {
  const at = (t: string, prog: string, msg: string) => `Nov 26 10:${t} afero-virtual ${prog}: ${msg}`;
  const lines = [
    at('00:00', 'hubby[10]', 'BentoProduct::LocalOtaAllowed(5, 12): current version 11'),
    at('00:01', 'hubby[10]', 'BentoProduct::HandleValidateOTA(0)'),
    at('00:02', 'otamgr[5]', '2 af_util_system::{ /sbin/sysupgrade /tmp/ota_type_5.img; } ; disown -a'),
    at('00:03', 'sysupgrade[7]', 'I writing /tmp/ota_type_5.img to /dev/vda3 (running from /dev/vda2)'),
    'afero-virtual sysupgrade[7]: I boot_part switched from 2 to 3; rebooting',
    '[   30.1] reboot: Restarting system',
    'U-Boot 2023.01+dfsg-2 (Jan 10 2024 - 10:00:00 +0000)',
    'ota-hil: boot_part 3 failed 3 times: rolling back',
    at('02:00', 'hubby[9]', 'BentoProduct::BentoProduct(): running hub version 11'),
  ];
  const events = parseLog(lines.join('\n'));
  expect(events.map((e) => e.kind)).toContain('bootloader-rollback');
  const t = buildTimeline(events);
  expect(t.verdict).toBe('failed');
  expect(t.summary).toContain('the bootloader rolled back (ota-hil: boot_part 3 failed 3 times: rolling back)');
});

test('every event kind has a catalog entry', () => {
  expect(otaEventKinds.filter((k) => !catalog.some((e) => e.kind === k))).toEqual([]);
});
