import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { boardProjectWorkers } from './rack-workers.ts';
import { leaseWaitMs, rackInventory } from './rack-board.ts';

// A board project's worker count follows the inventory's pool of its type and HIL_BOARD_TAGS.

test('workers: one per board of the type and tags; one for the per-type form, no inventory or an unreadable one', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-rack-workers-'));
  try {
    const inv = (name: string, data: unknown) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, typeof data === 'string' ? data : JSON.stringify(data));
      return f;
    };
    const rack = inv('rack.json', {
      boards: [
        { id: 's1', type: 'sama5d2', tags: ['usb-power'] },
        { id: 's2', type: 'sama5d2', tags: ['usb-power', 'sd-mux'] },
        { id: 's3', type: 'sama5d2' },
        { id: 'b1', type: 'bbgw' },
      ],
    });
    expect(boardProjectWorkers('sama5d2', dir, { HIL_INVENTORY: rack })).toBe(3);
    expect(boardProjectWorkers('sama5d2', dir, { HIL_INVENTORY: rack, HIL_BOARD_TAGS: 'usb-power' })).toBe(2);
    expect(boardProjectWorkers('sama5d2', dir, { HIL_INVENTORY: rack, HIL_BOARD_TAGS: ' usb-power, sd-mux ' })).toBe(1);
    expect(boardProjectWorkers('bbgw', dir, { HIL_INVENTORY: rack })).toBe(1);
    expect(boardProjectWorkers('sama5d2', dir, { HIL_INVENTORY: inv('per-type.json', { sama5d2: {} }) })).toBe(1);
    // The inventory's lab section (the OTA side of the lab) is not a board, in either form.
    const lab = { sama5d2: { otaConf: 'partner-ota-conf.json', build: 'make-image' } };
    expect(boardProjectWorkers('sama5d2', dir, { HIL_INVENTORY: inv('rack-lab.json', { boards: [{ id: 's1', type: 'sama5d2' }, { id: 's2', type: 'sama5d2' }], lab }) })).toBe(2);
    expect(rackInventory(dir, { HIL_INVENTORY: inv('per-type-lab.json', { sama5d2: {}, lab }) }).boards.map((b) => b.id)).toEqual(['sama5d2']);
    expect(boardProjectWorkers('sama5d2', dir, {})).toBe(1);
    expect(boardProjectWorkers('sama5d2', dir, { HIL_INVENTORY: inv('bad.json', '{ not json') })).toBe(1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('HIL_LEASE_WAIT: seconds, 600 by default; anything else is refused, naming the variable', () => {
  expect(leaseWaitMs({})).toBe(600_000);
  expect(leaseWaitMs({ HIL_LEASE_WAIT: '2.5' })).toBe(2500);
  expect(() => leaseWaitMs({ HIL_LEASE_WAIT: '10m' })).toThrow('HIL_LEASE_WAIT: expected a number of seconds to wait for a free board, found "10m"');
});
