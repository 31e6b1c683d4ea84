import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { PduDaemonPower } from './pdudaemon.ts';
import { LabFault } from '../../errors.ts';
import type { PowerDriver } from '../power-driver.ts';
import { freePort } from '../../process/free-port.ts';
import { startPduDaemon, type PduDaemonServer } from '../testing/pdudaemon-server.ts';

// A real PDUDaemon whose PDU is a `localcmdline` one: its "relay" is a script that takes a moment
// (as a relay does), then notes the switch in a journal and the outlet's state in a file.

let daemon: PduDaemonServer;
let dir: string;
/** The switches of one outlet, in the order the PDU made them. */
const journal = (outlet: number) =>
  (fs.existsSync(path.join(dir, 'journal')) ? fs.readFileSync(path.join(dir, 'journal'), 'utf8') : '')
    .split('\n')
    .filter((l) => l.endsWith(` outlet ${outlet}`))
    .join('\n');

test.beforeAll(async ({}, testInfo) => {
  dir = testInfo.outputPath('pdu');
  fs.mkdirSync(dir, { recursive: true });
  const relay = path.join(dir, 'relay');
  fs.writeFileSync(relay, `#!/bin/sh\nsleep 0.3\necho "$1 outlet $HIL_PDU_OUTLET" >> ${dir}/journal\necho "$1" > ${dir}/outlet-$HIL_PDU_OUTLET\n`, { mode: 0o755 });
  daemon = await startPduDaemon({
    pdu1: { on: `${relay} on`, off: `${relay} off` },
    // A PDU that does not answer: its command outlives the driver's time limit.
    stuck: { on: 'sleep 2', off: 'sleep 2' },
  });
});

test.afterAll(async () => {
  await daemon?.stop();
});

test('on, off and cycle switch the outlet through a real PDUDaemon, in order, each done when its request returns', async () => {
  const power = new PduDaemonPower({ url: daemon.url, hostname: 'pdu1', port: 3, delay: 0 });
  await power.on();
  // Debian's PDUDaemon answers after the PDU's job ran: the switch is in the journal already.
  expect(journal(3)).toBe('on outlet 3');
  await power.off();
  expect(fs.readFileSync(path.join(dir, 'outlet-3'), 'utf8')).toBe('off\n');
  await power.cycle();
  await power.cut();
  expect(journal(3)).toBe('on outlet 3\noff outlet 3\noff outlet 3\non outlet 3\noff outlet 3');
  expect((power as PowerDriver).status, 'PDUDaemon cannot read an outlet back').toBeUndefined();
  expect(daemon.output()).toContain('/power/control/reboot?hostname=pdu1&port=3&delay=0');
});

test("a cycle holds the outlet off for the profile's delay", async () => {
  const power = new PduDaemonPower({ url: daemon.url, hostname: 'pdu1', port: 5, delay: 1 });
  const t0 = Date.now();
  await power.cycle();
  expect(Date.now() - t0, 'off, 1 s, on').toBeGreaterThanOrEqual(1_000);
  expect(journal(5)).toBe('off outlet 5\non outlet 5');
});

test('an unknown PDU is refused with the hint where to look', async () => {
  const err = await new PduDaemonPower({ url: daemon.url, hostname: 'pdu9', port: 3 }).off().catch((e: Error) => e);
  expect(err).toBeInstanceOf(LabFault);
  expect((err as Error).message).toContain(`power off of PDU "pdu9" port 3 through PDUDaemon at ${daemon.url}: refused with HTTP 500 (Invalid request): is "pdu9" a PDU (or alias) of its pdudaemon.conf`);
});

test('a daemon that is not there is a lab fault naming its URL without the credentials', async () => {
  const port = await freePort();
  const err = await new PduDaemonPower({ url: `http://ops:s3cret@127.0.0.1:${port}/`, hostname: 'pdu1', port: 3 }).on().catch((e: Error) => e);
  expect(err).toBeInstanceOf(LabFault);
  expect((err as LabFault).phase).toBe('power');
  expect((err as Error).message).toContain(`power on of PDU "pdu1" port 3 through PDUDaemon at http://127.0.0.1:${port}: unreachable (connect ECONNREFUSED 127.0.0.1:${port})`);
  expect((err as Error).message).not.toContain('s3cret');
  expect((err as Error).message).not.toContain('ops');
});

test('a PDU that does not answer in time is a lab fault saying how long was waited', async () => {
  const t0 = Date.now();
  await expect(new PduDaemonPower({ url: daemon.url, hostname: 'stuck', port: 1, timeoutMs: 500 }).on()).rejects.toThrow(`power on of PDU "stuck" port 1 through PDUDaemon at ${daemon.url}: no answer within 0.5 s`);
  expect(Date.now() - t0).toBeLessThan(1_900);
});
