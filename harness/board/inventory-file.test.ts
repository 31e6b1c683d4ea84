import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRackInventory } from '../rack/rack-inventory.ts';
import { readInventory, readLabSection } from './inventory.ts';
import { readInventoryFile } from './inventory-file.ts';
import { ProfileError } from './profile-error.ts';

// The lab inventory file, read once for every reader of it: the same refusal, naming the file,
// whichever reads it; a field's problem names the file and the field's path.

let dir: string;
test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-inventory-file-'));
});
test.afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function inventory(text: string): string {
  const file = path.join(dir, 'lab-inventory.json');
  fs.writeFileSync(file, text);
  return file;
}

/** The ProfileError each reader of the inventory throws for the file. */
function refusals(file: string): ProfileError[] {
  const readers = [() => readInventoryFile(file), () => readInventory(file, 'sama5d2'), () => readLabSection(file, 'sama5d2'), () => readRackInventory(file)];
  return readers.map((read) => {
    try {
      read();
    } catch (e) {
      if (e instanceof ProfileError) return e;
      throw e;
    }
    throw new Error(`expected ${file} to be refused`);
  });
}

test('a missing file: every reader says so in the same words, naming the file', () => {
  const file = path.join(dir, 'no-such-inventory.json');
  for (const e of refusals(file)) expect(e.message).toBe(`${file}: cannot read the lab inventory: ENOENT`);
});

test('a folder where the file should be: every reader says it cannot read it', () => {
  for (const e of refusals(dir)) expect(e.message).toBe(`${dir}: cannot read the lab inventory: EISDIR`);
});

test('a file that is not JSON: every reader says so, naming the file, without quoting what it holds', () => {
  const file = inventory('{ "sama5d2": { "power": { "on": hunter2-pdu-password } } }');
  for (const e of refusals(file)) {
    expect(e.message).toBe(`${file}: the lab inventory is not valid JSON: Unexpected token 'h'`);
    expect(e.message).not.toContain('hunter2');
  }
  const long = inventory(`{ "boards": [${'{"id": "b", "type": "bbgw"}, '.repeat(10)} recovery-secret-hunter2 ] }`);
  for (const e of refusals(long)) expect(e.message, 'the quote V8 cuts with "..."').not.toContain('hunter2');
});

test('a syntax error V8 gives a position for: every reader says so in the same words, with the position', () => {
  const file = inventory('{ "sama5d2": { "deviceId": "012359551bf18eba" ,} }');
  for (const e of refusals(file)) expect(e.message).toBe(`${file}: the lab inventory is not valid JSON: Expected double-quoted property name in JSON at position 47`);
});

test('a field of the wrong type: each reader names the file and the field', () => {
  const file = inventory(JSON.stringify({ sama5d2: '/dev/ttyACM0', lab: { sama5d2: { variants: 'rootfs-no-init' } } }));
  expect(() => readInventory(file, 'sama5d2')).toThrow(`${file}: sama5d2: expected an object of profile fields, found "/dev/ttyACM0" (a string)`);
  expect(() => readLabSection(file, 'sama5d2')).toThrow(`${file}: lab.sama5d2.variants: expected a list of image variants`);
  const rack = inventory(JSON.stringify({ boards: [{ id: 'bbgw-1', type: 'bbgw', tags: 'usb-power' }] }));
  expect(() => readRackInventory(rack)).toThrow(`${rack}: boards[0] (bbgw-1).tags: expected a list of tags`);
});

test('a good file is read as it is', () => {
  const content = { sama5d2: { serial: { port: '/dev/ttyACM0' } }, lab: { sama5d2: { build: 'make-image' } } };
  expect(readInventoryFile(inventory(JSON.stringify(content)))).toEqual(content);
});
