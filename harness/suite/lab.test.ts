import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startOtaService } from '../service/server.ts';
import { partnerLab } from './lab.ts';
import { waitForPath } from '../process/wait-for-path.ts';
import { LabFault } from '../errors.ts';
import { HEADER_SIZE } from '../ota/header.ts';

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

test("a partner configuration written by a lab service says so: partnerLab can damage downloads there (and the service does), not with another service's", async ({}, testInfo) => {
  const service = await startOtaService({ dataDir: testInfo.outputPath('service'), port: 0 });
  try {
    const lab = partnerLab({ HIL_OTA_CONF: service.confPath, HIL_OTA_BUILD: 'head -c 4096 /dev/urandom > "$OUT"' });
    expect(lab.canDamageDownloads, 'with the lab service\'s own conf').toBe(true);
    // The service does what the flag promises: a truncated download of the published image.
    const published = await lab.publish('rootfs', 'damage test');
    const device = '00000000000000aa';
    await lab.client.push(published.image.id, device, { labFault: 'truncate' });
    const { url } = (await (await fetch(`${service.url}/v1/ota/lab/devices/${device}/pending`)).json()) as { url: string };
    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(body.length, 'the truncated download: header and half the image').toBe(HEADER_SIZE + 2048);

    // The same account without the lab's word (a conf for Afero's cloud has none): no damage asked for.
    const plain = testInfo.outputPath('plain-conf.json');
    const { labService, ...conf } = JSON.parse(fs.readFileSync(service.confPath, 'utf8')) as Record<string, unknown>;
    expect(labService, 'the service wrote labService into its conf').toBe(true);
    fs.writeFileSync(plain, JSON.stringify(conf));
    expect(partnerLab({ HIL_OTA_CONF: plain }).canDamageDownloads).toBe(false);
    fs.writeFileSync(plain, JSON.stringify({ ...conf, labService: 'yes' }));
    expect(() => partnerLab({ HIL_OTA_CONF: plain })).toThrow('labService: expected true (the lab OTA service) or false');
  } finally {
    await service.close();
  }
});

test("the inventory's lab section gives a board type its OTA conf, build and broken variants (built with VARIANT); the environment wins", async ({}, testInfo) => {
  const service = await startOtaService({ dataDir: testInfo.outputPath('service'), port: 0 });
  const dir = testInfo.outputPath('lab');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(service.confPath, path.join(dir, 'partner-ota-conf.json'));
  const variantSeen = path.join(dir, 'variant');
  const inventory = path.join(dir, 'lab.json');
  const write = (lab: unknown) => fs.writeFileSync(inventory, JSON.stringify({ sama5d2: { deviceId: '0000000000005d02' }, lab }));
  const opts = { projectRoot: dir, board: 'sama5d2' };
  try {
    // otaConf relative to the inventory's folder.
    write({ sama5d2: { otaConf: 'partner-ota-conf.json', build: `echo "$VARIANT" > ${variantSeen}; head -c 4096 /dev/urandom > "$OUT"`, variants: ['rootfs-no-init'] } });
    const lab = partnerLab({ HIL_INVENTORY: inventory }, opts);
    expect([lab.canBuild('rootfs'), lab.canBuild('rootfs-no-init'), lab.canBuild('rootfs-random-kernel')]).toEqual([true, true, false]);
    expect(lab.canDamageDownloads).toBe(true);
    await lab.publish('rootfs-no-init', 'variant test');
    expect(fs.readFileSync(variantSeen, 'utf8'), 'the build was told the variant').toBe('rootfs-no-init\n');
    await expect(lab.publish('rootfs-random-kernel', 'not listed')).rejects.toThrow('rootfs-random-kernel: the image build cannot make this variant');

    // Another board type has no lab values: it says where to set them.
    expect(() => partnerLab({ HIL_INVENTORY: inventory }, { ...opts, board: 'bbgw' })).toThrow('HIL_OTA_CONF: set it (or "otaConf" in the lab inventory\'s lab.bbgw)');

    // The environment wins: another build, other variants.
    const fromEnv = partnerLab({ HIL_INVENTORY: inventory, HIL_OTA_BUILD: `echo env > ${variantSeen}; head -c 4096 /dev/urandom > "$OUT"`, HIL_OTA_VARIANTS: 'rootfs-random-kernel' }, opts);
    expect([fromEnv.canBuild('rootfs-no-init'), fromEnv.canBuild('rootfs-random-kernel')]).toEqual([false, true]);
    await fromEnv.publish('rootfs', 'env build');
    expect(fs.readFileSync(variantSeen, 'utf8')).toBe('env\n');
    expect(() => partnerLab({ HIL_INVENTORY: inventory, HIL_OTA_VARIANTS: 'rootfs-no-kernel' }, opts)).toThrow('HIL_OTA_VARIANTS: expected image variants among rootfs, rootfs-no-init, rootfs-random-kernel, found "rootfs-no-kernel"');

    // A malformed section is named by field; the build command is never echoed.
    write({ sama5d2: { otaConf: 7, build: '', variants: 'rootfs-no-init', bulid: 'x' } });
    const err = (() => {
      try {
        partnerLab({ HIL_INVENTORY: inventory }, opts);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toContain('lab.sama5d2: unknown field bulid (expected otaConf, build, variants)');
    expect(err?.message).toContain('lab.sama5d2.otaConf: expected the path of a partner-ota-conf.json, found 7 (a number)');
    expect(err?.message).toContain('lab.sama5d2.build: expected the image build command (a non-empty string)');
    expect(err?.message).toContain('lab.sama5d2.variants: expected a list of image variants');
    write({ sama5d2: { otaConf: 'partner-ota-conf.json', variants: ['rootfs-no-kernel'] } });
    expect(() => partnerLab({ HIL_INVENTORY: inventory }, opts)).toThrow(`${inventory}: lab.sama5d2.variants: expected image variants among`);
  } finally {
    await service.close();
  }
});
