import { defineProfile } from '../harness/board/profile-schema.ts';

// The virtual board: QEMU `virt` (Cortex-A15) with real U-Boot, a Debian armmp kernel, busybox
// and dropbear, built by `hil vboard build` (boards/virtual/build.sh). Its serial pty, SSH port,
// key and pinned host key are known only once it runs: the harness fills them in.
export default defineProfile({
  name: 'virtual',
  description: 'QEMU virtual board with U-Boot A/B slots (boards/virtual/)',
  deviceId: '0000000000000001',
  login: { user: 'root', password: { none: true }, shellPrompt: 'root@afero-virtual:[^#\\n]*# *$' },
  ssh: { user: 'root' },
  slots: {
    A: '/dev/vda2',
    B: '/dev/vda3',
    active: { method: 'fw_printenv', variable: 'boot_part', values: { A: '2', B: '3' } },
  },
  userData: ['/afero_nv'],
  // /var/log is a tmpfs (as Yocto's volatile log directory): the file holds this boot only.
  logs: { command: 'tail -n0 -F /var/log/messages', sinceBootCommand: 'tail -n +1 -F /var/log/messages' },
  power: { driver: 'qemu' },
  capabilities: ['power-cut', 'rollback'],
  timeouts: { boot: 120_000, download: 120_000, validate: 60_000, install: 180_000, reboot: 180_000, confirm: 60_000, publish: 300_000 },
});
