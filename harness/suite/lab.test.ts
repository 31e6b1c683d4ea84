import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startOtaService } from '../service/server.ts';
import { partnerLab } from './lab.ts';
import { waitForPath } from '../process/wait-for-path.ts';
import { LabFault } from '../errors.ts';

// partnerLab's build folders (each a whole system image on a real board) do not outlive their
// use: a real lab OTA service on loopback, a real build command (sh), a scratch folder watched.

const builds = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('hil-build-'));

test('partnerLab removes each build folder: after the upload, after a failed build, and when the lab closes mid-build', async ({}, testInfo) => {
  const service = await startOtaService({ dataDir: testInfo.outputPath('service'), port: 0 });
  const scratch = testInfo.outputPath('scratch');
  fs.mkdirSync(scratch, { recursive: true });
  const fifo = testInfo.outputPath('go');
  execFileSync('mkfifo', [fifo]);
  const started = testInfo.outputPath('build-started');
  const env = (build: string) => ({ ...process.env, HIL_OTA_CONF: service.confPath, HIL_OTA_BUILD: build });
  try {
    const lab = partnerLab(env('head -c 65536 /dev/urandom > "$OUT"'), { scratchDir: scratch });
    const image = await lab.publish('rootfs', 'cleanup test');
    expect(image.record.versionNumber, 'the published record').toBeTruthy();
    expect(builds(scratch), 'build folders left after a publish').toEqual([]);

    const failing = partnerLab(env('echo half > "$OUT"; exit 3'), { scratchDir: scratch });
    const err = await failing.publish('rootfs', 'failing build').catch((e: unknown) => e);
    expect(err, 'a failed build is the lab').toBeInstanceOf(LabFault);
    expect((err as LabFault).phase, 'phase of a failed build').toBe('publish');
    expect(builds(scratch), 'build folders left after a failed build').toEqual([]);

    // A build under way (it waits on a fifo) when the lab closes: its folder goes with the lab.
    const slow = partnerLab(env(`head -c 65536 /dev/urandom > "$OUT"; touch ${started}; cat ${fifo} > /dev/null`), { scratchDir: scratch });
    const pending = slow.publish('rootfs', 'build under way').catch((e: unknown) => e);
    await waitForPath(started, { timeoutMs: 10_000, what: 'the build command to start' });
    expect(builds(scratch), 'the build under way has its folder').toHaveLength(1);
    await slow.close();
    expect(builds(scratch), 'build folders left once the lab closed').toEqual([]);
    fs.writeFileSync(fifo, 'go\n'); // lets the build end; its upload then finds no image
    expect(await pending, 'the publish whose folder was removed fails').toBeInstanceOf(Error);
  } finally {
    await service.close();
  }
});
