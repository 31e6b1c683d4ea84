import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProfileError } from '../board/profile-error.ts';
import { matchingBoards, parseRackInventory, readRackInventory } from './rack-inventory.ts';

// The lab inventory as a rack: many boards per type, or the per-type form as one board each.

const F = 'lab-inventory.json';
const problemsOf = (data: unknown): string[] => {
  try {
    parseRackInventory(data, F);
  } catch (e) {
    if (e instanceof ProfileError) return e.problems;
    throw e;
  }
  throw new Error('expected the inventory to be refused');
};

test('boards: [...] lists many boards per type; rack fields apart, the rest goes to the profile loader', () => {
  const inv = parseRackInventory(
    {
      boards: [
        { id: 'sama5d2-1', type: 'sama5d2', tags: ['usb-power', 'sd-mux'], deviceId: '012359551bf18eba', serial: { port: '/dev/ttyACM0' }, recovery: 'sam-ba -p serial -d sama5d2 -a sdmmc' },
        { id: 'sama5d2-2', type: 'sama5d2', tags: ['usb-power'], ssh: { host: '10.20.0.8' }, power: { driver: 'command', on: 'uhubctl -a on', off: 'uhubctl -a off' }, recovery: { command: 'sam-ba', timeoutMs: 120000 } },
        { id: 'bbgw-1', type: 'bbgw', login: { password: { env: 'HIL_BBGW_PASSWORD' } } },
      ],
    },
    F,
  );
  expect(inv.boards.map((b) => [b.id, b.type, b.tags])).toEqual([
    ['sama5d2-1', 'sama5d2', ['usb-power', 'sd-mux']],
    ['sama5d2-2', 'sama5d2', ['usb-power']],
    ['bbgw-1', 'bbgw', []],
  ]);
  expect(inv.boards[0].profile).toEqual({ deviceId: '012359551bf18eba', serial: { port: '/dev/ttyACM0' } });
  expect(inv.boards[1].profile.power).toEqual({ driver: 'command', on: 'uhubctl -a on', off: 'uhubctl -a off' });
  expect(inv.boards[1].recovery).toEqual({ command: 'sam-ba', timeoutMs: 120000 });
  expect(inv.boards[0].recovery).toEqual({ command: 'sam-ba -p serial -d sama5d2 -a sdmmc' });
  expect(matchingBoards(inv, 'sama5d2', ['usb-power']).map((b) => b.id)).toEqual(['sama5d2-1', 'sama5d2-2']);
  expect(matchingBoards(inv, 'sama5d2', ['sd-mux']).map((b) => b.id)).toEqual(['sama5d2-1']);
  expect(matchingBoards(inv, 'bbgw', ['usb-power'])).toEqual([]);
});

test('the per-type form keeps working: one board named after its type', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-rack-inv-'));
  const file = path.join(dir, F);
  fs.writeFileSync(file, JSON.stringify({ sama5d2: { deviceId: '012359551bf18eba', serial: { port: '/dev/ttyACM0' } }, bbgw: { ssh: { host: '10.1.2.3' } } }));
  const inv = readRackInventory(file);
  fs.rmSync(dir, { recursive: true });
  expect(inv.boards).toEqual([
    { id: 'sama5d2', type: 'sama5d2', tags: [], profile: { deviceId: '012359551bf18eba', serial: { port: '/dev/ttyACM0' } } },
    { id: 'bbgw', type: 'bbgw', tags: [], profile: { ssh: { host: '10.1.2.3' } } },
  ]);
});

test('every problem names the board and the field', () => {
  const problems = problemsOf({
    boards: [
      { id: 'sama5d2-1', type: 'sama5d2', tags: 'usb-power' },
      { id: 'Bad Id', type: 'sama5d2' },
      { id: 'bbgw-1', type: 'BBGW' },
      { id: 'bbgw-2', type: 'bbgw', recovery: { command: 'secret-pdu-cmd --password hunter2', retries: 3 } },
      { id: 'bbgw-3', type: 'bbgw', recovery: 42 },
      { id: 'sama5d2-1', type: 'sama5d2' },
      'bbgw-4',
    ],
  });
  expect(problems).toEqual([
    'boards[0] (sama5d2-1).tags: expected a list of tags (letters, digits, \'.\', \'_\', \':\', \'=\', \'/\', \'-\'; no commas or spaces), found "usb-power"',
    'boards[1].id: expected a board id (lower-case letters, digits, \'.\', \'_\', \'-\'; up to 64), found "Bad Id"',
    'boards[2] (bbgw-1).type: expected the board type, the name of its profile (sama5d2, bbgw), found "BBGW"',
    'boards[3] (bbgw-2).recovery: unknown field retries (expected command, timeoutMs)',
    'boards[4] (bbgw-3).recovery: expected the recovery command (a non-empty string, or {"command": "...", "timeoutMs": N})',
    'boards[6]: expected a board ({"id": ..., "type": ..., ...}), found "bbgw-4"',
    'boards: the id sama5d2-1 is used by boards[0] and boards[5] (ids must be unique)',
  ]);
  expect(problems.join('\n')).not.toContain('hunter2');
});

test('a list beside per-type entries, a list that is not one, a per-type entry that is not an object', () => {
  expect(problemsOf({ boards: [], sama5d2: {} })).toEqual(['sama5d2: with a "boards" list, every board goes in it (found per-type entries beside it)']);
  expect(problemsOf({ boards: { id: 'x' } })).toEqual(['boards: expected a list of boards, found {"id":"x"}']);
  expect(problemsOf({ sama5d2: '/dev/ttyACM0' })).toEqual(['sama5d2: expected an object of profile fields, found "/dev/ttyACM0"']);
  expect(problemsOf([])).toEqual(['expected an object: {"boards": [...]} or keyed by board type ({"sama5d2": {...}}), found []']);
});

test('the lab section is no board, in either form', () => {
  const lab = { otaConf: '/lab/partner-ota-conf.json', build: 'sh make-image.sh' };
  const perType = parseRackInventory({ sama5d2: { deviceId: '012359551bf18eba' }, lab }, 'lab.json');
  expect(perType.boards.map((b) => b.id), 'boards of the per-type form').toEqual(['sama5d2']);
  const list = parseRackInventory({ boards: [{ id: 'sama5d2-1', type: 'sama5d2' }], lab }, 'lab.json');
  expect(list.boards.map((b) => b.id), 'boards of the list form').toEqual(['sama5d2-1']);
});
