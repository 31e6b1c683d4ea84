import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { hil, projectRoot, scratchDir } from './spawn-hil.ts';
import { vboardRunDir, type VboardState } from '../vboard/run-state.ts';
import { addTwinToInventory } from '../vboard/twin-inventory.ts';
import { readRackInventory } from '../rack/rack-inventory.ts';
import { recoverBoard } from '../rack/recovery.ts';

// `hil vboard reimage` as the rack's recovery runs it, as its own process, on a kept board's state
// with a small disk file: the disk goes back to the pristine image in place, and never while the
// board's QEMU runs. The twin's power switch is a real command that answers on or off.

const name = `reimage-test-${process.pid}`;
const runDir = vboardRunDir(projectRoot, name);
const MiB = 1024 * 1024;
let scratch: ReturnType<typeof scratchDir>;

test.beforeEach(() => {
  scratch = scratchDir();
  fs.mkdirSync(runDir, { recursive: true });
});
test.afterEach(() => {
  fs.rmSync(runDir, { recursive: true, force: true });
  scratch.remove();
});

/** A pristine image (data, a hole, data) and the board's disk, written over since. */
function disks(): { pristine: string; file: string } {
  const pristine = path.join(scratch.dir, 'pristine.img');
  const fd = fs.openSync(pristine, 'w');
  fs.writeSync(fd, Buffer.alloc(MiB, 'P'), 0, MiB, 0);
  fs.writeSync(fd, Buffer.alloc(MiB, 'Q'), 0, MiB, 7 * MiB);
  fs.closeSync(fd);
  const file = path.join(runDir, 'disk.img');
  fs.writeFileSync(file, Buffer.alloc(8 * MiB, 'x'));
  return { pristine, file };
}

function keptTwin(o: { powerStatus: string; pid?: number }): { state: VboardState; pristine: string; file: string } {
  const { pristine, file } = disks();
  const state: VboardState = {
    name,
    pid: o.pid ?? process.pid,
    serial: '127.0.0.1:1',
    ssh: { host: '127.0.0.1', port: 1, user: 'root', key: '/nonexistent', hostKeyFingerprint: `SHA256:${'A'.repeat(43)}` },
    otaService: 'http://127.0.0.1:1',
    signingKey: '/nonexistent',
    disk: { file, pristine, format: 'raw' },
    twin: {
      board: 'bbgw',
      serialTcp: '127.0.0.1:1',
      deviceId: '000000000000bb61',
      passwordFile: '/nonexistent',
      power: { on: 'true', off: 'true', cycle: 'true', status: `echo ${o.powerStatus}` },
      recovery: `${process.execPath} ${path.join(projectRoot, 'bin', 'hil.js')} vboard reimage --name ${name}`,
    },
  };
  fs.writeFileSync(path.join(runDir, 'state.json'), JSON.stringify(state));
  return { state, pristine, file };
}

test("a powered-off twin's disk is the pristine image again, rewritten in place (QEMU keeps the file open), sparse", async () => {
  const { pristine, file } = keptTwin({ powerStatus: 'off' });
  const inode = fs.statSync(file).ino;
  const r = await hil(['vboard', 'reimage', '--name', name]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`${file} re-imaged from ${pristine} in \\d+\\.\\d\\d s`));
  expect(fs.readFileSync(file).equals(fs.readFileSync(pristine)), 'the disk equals the pristine image').toBe(true);
  expect(fs.statSync(file).ino, 'the same file QEMU has open').toBe(inode);
  expect(fs.statSync(file).blocks * 512, 'the hole stays a hole').toBeLessThan(4 * MiB);
});

test('a twin that is powered on is refused, its disk untouched', async () => {
  const { file } = keptTwin({ powerStatus: 'on' });
  const r = await hil(['vboard', 'reimage', '--name', name]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`bbgw twin "${name}" is powered on: its QEMU runs on ${file}; power it off first`);
  expect(fs.readFileSync(file).equals(Buffer.alloc(8 * MiB, 'x'))).toBe(true);
});

test('a plain kept board that runs is refused (it has no power switch); no kept board is named', async () => {
  const { state, file } = keptTwin({ powerStatus: 'off' });
  const { twin: _twin, ...plain } = state;
  fs.writeFileSync(path.join(runDir, 'state.json'), JSON.stringify(plain));
  const running = await hil(['vboard', 'reimage', '--name', name]);
  expect(running.status).toBe(1);
  expect(running.stderr).toContain(`virtual board "${name}" runs (keeper pid ${process.pid}) and has no power switch to stop its QEMU: \`hil vboard down --name ${name}\``);
  expect(fs.readFileSync(file).equals(Buffer.alloc(8 * MiB, 'x'))).toBe(true);
  fs.rmSync(runDir, { recursive: true });
  const none = await hil(['vboard', 'reimage', '--name', name]);
  expect(none.status).toBe(1);
  expect(none.stderr).toContain(`virtual board "${name}" has no disk kept`);
});

test("the rack's recovery of a twin, from the inventory `vboard up` writes, re-images it", async () => {
  const { state, pristine, file } = keptTwin({ powerStatus: 'off' });
  const inventory = path.join(scratch.dir, 'lab.json');
  addTwinToInventory(inventory, state);
  const [board] = readRackInventory(inventory).boards;
  expect(board).toMatchObject({ id: name, type: 'bbgw', recovery: { command: state.twin!.recovery, timeoutMs: 60_000 } });
  const done = await recoverBoard(board!);
  expect(done.lastLines.join('\n')).toContain('re-imaged');
  expect(fs.readFileSync(file).equals(fs.readFileSync(pristine))).toBe(true);
});
