import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { CommandPower } from './command-power.ts';
import { LabFault } from '../errors.ts';

// Real shell commands switching a "relay" that is a file: what a lab's uhubctl or snmpset does to an outlet.

function relay(dir: string) {
  const state = path.join(dir, 'outlet');
  const journal = path.join(dir, 'journal');
  const cmd = (to: string) => `echo ${to} > ${state} && echo "$HIL_POWER_ACTION $BOARD" >> ${journal}`;
  return { state, journal, cmd };
}

test('on, off, cut, status and cycle run their commands, with the board named in the environment', async ({}, testInfo) => {
  const dir = testInfo.outputPath('relay');
  fs.mkdirSync(dir, { recursive: true });
  const r = relay(dir);
  const power = new CommandPower({ on: r.cmd('on'), off: r.cmd('off'), status: `cat ${r.state}` }, { BOARD: 'rack1' });
  await power.on();
  expect(await power.status()).toBe('on');
  await power.off();
  expect(await power.status()).toBe('off');
  await power.on();
  await power.cut(); // to a relay, off is the cut
  expect(await power.status()).toBe('off');
  await power.cycle(); // no cycle command: off, then on
  expect(await power.status()).toBe('on');
  expect(fs.readFileSync(r.journal, 'utf8')).toBe('on rack1\noff rack1\non rack1\noff rack1\noff rack1\non rack1\n');

  const withCycle = new CommandPower({ on: r.cmd('on'), off: r.cmd('off'), cycle: r.cmd('cycled') });
  await withCycle.cycle();
  expect(fs.readFileSync(r.state, 'utf8')).toBe('cycled\n');
  expect(await withCycle.status()).toBeUndefined();
});

test('a failing command names the action, the program, its exit code and last error line, not its arguments', async () => {
  const power = new CommandPower({ on: 'snmpset -c s3cret-community 2>/dev/null; echo "outlet 4: no response" >&2; exit 3', off: 'true' });
  const err = await power.on().catch((e: Error) => e);
  expect(err).toBeInstanceOf(LabFault);
  expect((err as Error).message).toContain('power on (snmpset) exited with 3: outlet 4: no response');
  expect((err as Error).message).not.toContain('s3cret');
});

test('a command past its time limit is killed with its children, and the error says so', async ({}, testInfo) => {
  const pidFile = testInfo.outputPath('child.pid');
  const power = new CommandPower({ on: `sleep 30 & echo $! > ${pidFile}; wait`, off: 'true', timeoutMs: 500 });
  const t0 = Date.now();
  await expect(power.on()).rejects.toThrow('power on (sleep) did not finish within 0.5 s');
  expect(Date.now() - t0).toBeLessThan(5_000);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  // The background sleep went with the group: gone, or a zombie not yet reaped by its new parent.
  const state = fs.existsSync(`/proc/${pid}/stat`) ? fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] : 'gone';
  expect(['gone', 'Z']).toContain(state);
});

test('a status that prints neither on nor off, and a missing on/off command, are refused clearly', async () => {
  const power = new CommandPower({ on: 'true', off: 'true', status: 'echo unknown-state' });
  await expect(power.status()).rejects.toThrow('power status (echo): expected it to print "on" or "off", it printed "unknown-state"');
  expect(() => new CommandPower({ on: 'true', off: ' ' })).toThrow('power.off: expected the shell command that switches the board off');
});
