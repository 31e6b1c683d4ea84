import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { filesUnder, packageVersions, type VboardImage } from './build.ts';

// A board twin (boards/twins/<twin>/build.sh): a QEMU board laid out like a real board type, with
// its init, logging, bootloader switch and sysupgrade. Built into .cache/vboard-twin/<twin>/<hash>/,
// the hash over every input (the twin's folder, the shared twin steps, the plain virtual board's
// guest files and boot script it reuses, the Debian package versions), so a warm build is a no-op.

export const twinNames = ['sama5d2', 'bbgw'] as const;
export type TwinName = (typeof twinNames)[number];

export interface TwinImage extends VboardImage {
  twin: TwinName;
  /** The root password on the console (mode 0600; never printed). */
  passwordFile: string;
  deviceId: string;
  /** How Linux names the card: the SAMA5D2's eMMC is mmcblk0, the BeagleBone's mmcblk1. */
  sdController: 0 | 1;
}

export function checkTwin(name: string): TwinName {
  if (!(twinNames as readonly string[]).includes(name)) throw new Error(`--twin: expected one of ${twinNames.join(', ')}, found "${name}"`);
  return name as TwinName;
}

export function twinInputsHash(root: string, twin: TwinName): string {
  const h = createHash('sha256');
  const inputs = [path.join(root, 'boards', 'twins', twin), path.join(root, 'boards', 'twins', 'common.sh'), path.join(root, 'boards', 'twins', 'initrd-init'), path.join(root, 'boards', 'virtual', 'guest'), path.join(root, 'boards', 'virtual', 'boot.cmd')];
  for (const f of inputs.flatMap((p) => (fs.statSync(p).isDirectory() ? filesUnder(p) : [p])).filter((f) => !f.endsWith('.test.ts')).sort()) {
    h.update(path.relative(root, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  }
  const packages = fs.readFileSync(path.join(root, 'boards', 'twins', twin, 'packages'), 'utf8').trim().split(',');
  h.update(packageVersions(root, packages, path.join(root, '.cache', 'vboard-twin', twin, 'package-versions.json')));
  return h.digest('hex').slice(0, 16);
}

export function buildTwin(root: string, twin: TwinName, o: { log?: (s: string) => void } = {}): TwinImage {
  const key = twinInputsHash(root, twin);
  const dir = path.join(root, '.cache', 'vboard-twin', twin, key);
  const disk = path.join(dir, 'disk.img');
  const cached = fs.existsSync(disk);
  if (!cached) {
    o.log?.(`building the ${twin} twin into ${dir}`);
    execFileSync('bash', [path.join(root, 'boards', 'twins', twin, 'build.sh'), dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    for (const old of fs.readdirSync(path.dirname(dir))) {
      if (/^[0-9a-f]{16}$/.test(old) && old !== key) fs.rmSync(path.join(path.dirname(dir), old), { recursive: true, force: true });
    }
  }
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8').trim();
  return {
    twin,
    dir,
    disk,
    clientKey: path.join(dir, 'keys', 'id_ecdsa'),
    hostKeyFingerprint: read('keys/host_ecdsa.fingerprint'),
    kernelVersion: read('kernel-version'),
    passwordFile: path.join(dir, 'keys', 'root-password'),
    deviceId: read('device-id'),
    sdController: twin === 'bbgw' ? 1 : 0,
    cached,
  };
}
