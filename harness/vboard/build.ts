import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// `hil vboard build`: runs boards/virtual/build.sh into a cache folder keyed by a hash of every
// input (the script and the build steps it shares with the twins, the boot script, the initrd and
// guest files, and the Debian package versions it would fetch), so a second build with nothing
// changed is a no-op.

export interface VboardImage {
  dir: string;
  disk: string;
  clientKey: string;
  hostKeyFingerprint: string;
  kernelVersion: string;
  cached: boolean;
}

const guestPackages = ['linux-image-armmp', 'busybox-static', 'dropbear-bin', 'libubootenv-tool', 'openssh-sftp-server', 'openssl'];

export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

/**
 * The armhf candidate version of each guest package, from Debian's package lists (apt-cache).
 * apt-cache takes most of a warm build: its answer is kept until the package lists change.
 */
export function packageVersions(root: string, packages: readonly string[] = guestPackages, memo = path.join(root, '.cache', 'vboard', 'package-versions.json')): string {
  const lists = '/var/lib/apt/lists';
  const stamp = fs.existsSync(lists) ? String(fs.statSync(lists).mtimeMs) : 'none';
  try {
    const m = JSON.parse(fs.readFileSync(memo, 'utf8')) as { stamp: string; versions: string };
    if (m.stamp === stamp && !m.versions.startsWith('unknown-')) return m.versions;
  } catch {
    // no memo yet
  }
  const versions = queryPackageVersions(packages);
  fs.mkdirSync(path.dirname(memo), { recursive: true });
  fs.writeFileSync(memo, JSON.stringify({ stamp, versions }));
  return versions;
}

function queryPackageVersions(packages: readonly string[]): string {
  const r = spawnSync('apt-cache', ['policy', ...packages.map((p) => `${p}:armhf`)], { encoding: 'utf8' });
  const versions = [...r.stdout.matchAll(/^(\S+):\n(?:.*\n)*?\s+Candidate: (\S+)/gm)].map((m) => `${m[1]}=${m[2]}`);
  // Without armhf lists apt-cache knows nothing: then the day stands in for the versions.
  return versions.length ? versions.join(',') : `unknown-${new Date().toISOString().slice(0, 10)}`;
}

export function vboardInputsHash(root: string): string {
  const h = createHash('sha256');
  const boardDir = path.join(root, 'boards', 'virtual');
  for (const f of filesUnder(boardDir).filter((f) => !f.endsWith('.test.ts')).sort()) {
    h.update(path.relative(boardDir, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  }
  h.update(fs.readFileSync(path.join(root, 'boards', 'twins', 'common.sh')));
  h.update(packageVersions(root));
  return h.digest('hex').slice(0, 16);
}

export function buildVboard(root: string, o: { log?: (s: string) => void } = {}): VboardImage {
  const key = vboardInputsHash(root);
  const dir = path.join(root, '.cache', 'vboard', key);
  const done = path.join(dir, 'disk.img');
  const cached = fs.existsSync(done);
  if (!cached) {
    o.log?.(`building the virtual board into ${dir}`);
    execFileSync('bash', [path.join(root, 'boards', 'virtual', 'build.sh'), dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    // Older builds are of inputs that no longer exist: each is a few hundred MB.
    for (const old of fs.readdirSync(path.dirname(dir))) {
      if (/^[0-9a-f]{16}$/.test(old) && old !== key) fs.rmSync(path.join(path.dirname(dir), old), { recursive: true, force: true });
    }
  }
  return {
    dir,
    disk: done,
    clientKey: path.join(dir, 'keys', 'id_ecdsa'),
    hostKeyFingerprint: fs.readFileSync(path.join(dir, 'keys', 'host_ecdsa.fingerprint'), 'utf8').trim(),
    kernelVersion: fs.readFileSync(path.join(dir, 'kernel-version'), 'utf8').trim(),
    cached,
  };
}
