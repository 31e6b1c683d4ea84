import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeRootfsImage } from './rootfs-image.ts';

// The record member must read back as part of one tar stream, with busybox tar (the board's) and
// GNU tar, and a later rootfs file of the same name must not hide it.

test('an image is the payload with the OTA record baked in, readable by busybox and GNU tar', async ({}, testInfo) => {
  const dir = testInfo.outputPath('img');
  fs.mkdirSync(path.join(dir, 'tree/etc'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'tree/sbin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tree/etc/hostname'), 'afero-virtual\n');
  fs.writeFileSync(path.join(dir, 'tree/sbin/init'), Buffer.alloc(3000, 7));
  execFileSync('sh', ['-c', `tar --numeric-owner -C ${dir}/tree -cf - . | gzip > ${dir}/payload.tar.gz`]);
  await makeRootfsImage(path.join(dir, 'payload.tar.gz'), { versionNumber: '42', version: '1.0.7' }, path.join(dir, 'image.tar.gz'));
  expect(fs.existsSync(path.join(dir, 'image.tar.gz.part'))).toBe(false);
  for (const tar of [['busybox', 'tar'], ['tar']]) {
    const out = path.join(dir, `out-${tar[0]}`);
    fs.mkdirSync(out);
    execFileSync(tar[0], [...tar.slice(1), '-xzf', path.join(dir, 'image.tar.gz'), '-C', out]);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'etc/full_ota_record.json'), 'utf8'))).toEqual({ versionNumber: '42', version: '1.0.7' });
    expect(fs.readFileSync(path.join(out, 'etc/hostname'), 'utf8')).toBe('afero-virtual\n');
    expect(fs.statSync(path.join(out, 'sbin/init')).size).toBe(3000);
  }
});

test('a record without a numeric versionNumber is refused before anything is written', async ({}, testInfo) => {
  const out = testInfo.outputPath('never.tar.gz');
  await expect(makeRootfsImage('/nonexistent', { versionNumber: 'x1' }, out)).rejects.toThrow(/record\.versionNumber: expected digits/);
  expect(fs.existsSync(out)).toBe(false);
});
