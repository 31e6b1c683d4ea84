import { defineProfile } from '../harness/board/profile-schema.ts';

// Atmel SAMA5D2 Xplained (eMMC) with Afero Secure Linux: sysvinit, busybox syslogd writing
// /var/log/messages (the seed trace), the partner's /sbin/sysupgrade and U-Boot A/B slots.
// Lab values (serial device, SSH address and keys, deviceId) come from the inventory or
// HIL_SAMA5D2_* variables: see the README.
export default defineProfile({
  name: 'sama5d2',
  description: 'Atmel SAMA5D2 Xplained (eMMC), Afero Secure Linux',
  serial: { port: '/dev/ttyACM0', baud: 115200 },
  login: {
    user: 'root',
    password: { env: 'HIL_SAMA5D2_PASSWORD' },
    shellPrompt: 'root@[\\w.-]+:[^#\\n]*# *$',
  },
  ssh: { user: 'root', port: 22 },
  slots: {
    A: '/dev/mmcblk0p2',
    B: '/dev/mmcblk0p3',
    // The partner's sysupgrade switches the slot through the U-Boot environment.
    active: { method: 'fw_printenv', variable: 'boot_part', values: { A: '2', B: '3' } },
  },
  userData: ['/afero_nv'],
  // Yocto keeps /var/log on a tmpfs (VOLATILE_LOG_DIR): the file holds this boot only.
  logs: { command: 'tail -n0 -F /var/log/messages', sinceBootCommand: 'tail -n +1 -F /var/log/messages' },
  power: { driver: 'none' },
  capabilities: [],
  timeouts: { boot: 120_000, download: 600_000, validate: 120_000, install: 600_000, reboot: 240_000, confirm: 120_000 },
});
