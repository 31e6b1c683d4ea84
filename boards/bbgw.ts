import { defineProfile } from '../harness/board/profile-schema.ts';

// BeagleBone Green Wireless with Afero Secure Linux: systemd (journal), Afero's own sysupgrade
// script, which picks the root from `bootpart` in uEnv.txt on the boot partition. Layout: boot
// (vfat), AferoNV (/afero_nv), root1, root2 on the eMMC. Lab values come from the inventory or
// HIL_BBGW_* variables: see the README.
export default defineProfile({
  name: 'bbgw',
  description: 'BeagleBone Green Wireless, Afero Secure Linux',
  serial: { port: '/dev/ttyUSB0', baud: 115200 },
  login: {
    user: 'root',
    password: { env: 'HIL_BBGW_PASSWORD' },
    shellPrompt: 'root@[\\w.-]+:[^#\\n]*# *$',
  },
  ssh: { user: 'root', port: 22 },
  slots: {
    A: '/dev/mmcblk1p3',
    B: '/dev/mmcblk1p4',
    active: { method: 'uenv', bootPartition: '/dev/mmcblk1p1', file: 'uEnv.txt', variable: 'bootpart', values: { A: '0:3', B: '0:4' } },
  },
  userData: ['/afero_nv'],
  logs: { command: 'journalctl -f -n0 -o short', sinceBootCommand: 'journalctl -b -f -n all -o short' },
  power: { driver: 'none' },
  capabilities: [],
  timeouts: { boot: 120_000, download: 600_000, validate: 120_000, install: 600_000, reboot: 240_000, confirm: 120_000 },
});
