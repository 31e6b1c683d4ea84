import fs from 'node:fs';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { OtaRecord } from '../ota/record.ts';

// An OTA image for the virtual board, the way the real build makes one: the OTA record is made
// first and baked into the image as /etc/full_ota_record.json. The payloads from the board build
// are complete rootfs tar.gz files; the record goes in front as its own gzip member holding one
// tar entry without an end-of-archive marker, so gzip -d yields a single tar stream (busybox and
// GNU tar both read it) and the big payload is never recompressed.

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** One ustar header + data block(s) for a regular file, mode 0644, owned by root. */
export function tarEntry(name: string, data: Buffer, mtimeSec: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name "${name}" is longer than 100 bytes`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 'utf8');
  h.write(octal(0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(data.length, 12), 124);
  h.write(octal(mtimeSec, 12), 136);
  h.fill(' ', 148, 156); // the checksum is computed with its own field as spaces
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write('root', 265);
  h.write('root', 297);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148);
  const padded = Buffer.alloc(Math.ceil(data.length / BLOCK) * BLOCK);
  data.copy(padded);
  return Buffer.concat([h, padded]);
}

/** Writes `out`: `payload` (a rootfs tar.gz) with `record` as ./etc/full_ota_record.json. */
export async function makeRootfsImage(payload: string, record: Pick<OtaRecord, 'versionNumber'> & Partial<OtaRecord>, out: string): Promise<void> {
  if (!/^\d+$/.test(String(record.versionNumber))) throw new Error(`record.versionNumber: expected digits, found ${JSON.stringify(record.versionNumber)}`);
  const entry = tarEntry('./etc/full_ota_record.json', Buffer.from(`${JSON.stringify(record, null, 2)}\n`), Math.floor(Date.now() / 1000));
  const tmp = `${out}.part`;
  const w = fs.createWriteStream(tmp);
  w.write(zlib.gzipSync(entry));
  await pipeline(fs.createReadStream(payload), w);
  fs.renameSync(tmp, out);
}
