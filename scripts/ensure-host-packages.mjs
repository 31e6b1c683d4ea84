#!/usr/bin/env node
// Installs the Debian packages the tests and the virtual board need, when they are missing, so
// that a fresh machine needs nothing but the README's commands. As root it runs apt-get itself;
// otherwise it names the command to run. Plain JavaScript: it runs before anything is built.
import { execFileSync, spawnSync } from 'node:child_process';

const groups = {
  test: ['socat', 'openssh-server', 'openssh-client', 'busybox-static', 'openssl', 'curl', 'postgresql', 'chromium', 'ser2net', 'util-linux', 'pdudaemon'],
  vboard: ['qemu-system-arm', 'qemu-utils', 'u-boot-qemu', 'u-boot-tools', 'dosfstools', 'mtools', 'fdisk', 'e2fsprogs', 'kmod', 'cpio', 'mmdebstrap', 'busybox-static', 'dropbear-bin', 'openssh-client', 'chromium', 'ser2net'],
};

const wanted = [...new Set(process.argv.slice(2).flatMap((g) => groups[g] ?? []))];
const missing = wanted.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout !== 'install ok installed');
if (missing.length === 0) process.exit(0);

const cmd = `apt-get update && apt-get install -y ${missing.join(' ')}`;
if (process.getuid?.() !== 0) {
  console.error(`ota-hil needs these Debian packages: ${missing.join(', ')}.\nInstall them as root:  ${cmd}`);
  process.exit(1);
}
console.error(`ota-hil: installing Debian packages: ${missing.join(', ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
} catch {
  console.error(`ota-hil: installing ${missing.join(', ')} failed; run it by hand:  ${cmd}`);
  process.exit(1);
}
