import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { recoverBoard } from './recovery.ts';
import { LabFault } from '../errors.ts';

// The recovery command of a virtual board, for real: its disk (a file) re-imaged from the pristine one.

test("a board's recovery command re-images it, knowing the board from the environment", async ({}, testInfo) => {
  const dir = testInfo.outputPath('rack');
  fs.mkdirSync(dir, { recursive: true });
  const pristine = path.join(dir, 'pristine.img');
  fs.writeFileSync(pristine, Buffer.alloc(64 * 1024, 0xa5));
  fs.writeFileSync(path.join(dir, 'vboard-2.img'), 'boots no slot');
  const command = `cp ${pristine} ${dir}/$HIL_BOARD.img && echo "re-imaged $HIL_BOARD ($HIL_BOARD_TYPE; $HIL_BOARD_TAGS)"`;
  const r = await recoverBoard({ id: 'vboard-2', type: 'virtual', tags: ['twin', 'usb-power'], recovery: { command } });
  expect(fs.readFileSync(path.join(dir, 'vboard-2.img')).equals(fs.readFileSync(pristine))).toBe(true);
  expect(r.lastLines).toEqual(['re-imaged vboard-2 (virtual; twin,usb-power)']);
  expect(r.durationMs).toBeGreaterThanOrEqual(0);
});

test('a failing recovery names the board and the program, not its arguments; none at all says where it belongs', async () => {
  const board = { id: 'sama5d2-3', type: 'sama5d2', tags: [] };
  const err = await recoverBoard({ ...board, recovery: { command: 'sam-ba -p serial -d sama5d2 -a sdmmc --token s3cret 2>/dev/null; echo "no ROM boot on ttyACM0" >&2; exit 2' } }).catch((e: Error) => e);
  expect(err).toBeInstanceOf(LabFault);
  expect((err as LabFault).phase).toBe('recovery');
  expect((err as Error).message).toContain('recovery of sama5d2-3 (sam-ba) exited with 2: no ROM boot on ttyACM0');
  expect((err as Error).message).not.toContain('s3cret');
  await expect(recoverBoard(board)).rejects.toThrow('sama5d2-3: boots no slot and has no recovery command in the lab inventory (boards[].recovery)');
});

test('a recovery past its limit is killed and the error says how long it had', async () => {
  const t0 = Date.now();
  await expect(recoverBoard({ id: 'bbgw-1', type: 'bbgw', tags: [], recovery: { command: 'sleep 30', timeoutMs: 300 } })).rejects.toThrow('recovery of bbgw-1 (sleep) did not finish within 0.3 s');
  expect(Date.now() - t0).toBeLessThan(5_000);
});
