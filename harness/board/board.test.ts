import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { startOpenSshServer, type OpenSshServer } from '../testing/openssh-server.ts';
import { SshSession } from '../ssh/ssh-session.ts';
import { noPower } from '../power/power-driver.ts';
import { Board } from './board.ts';
import { boardProfileSchema } from './profile-schema.ts';
import { CommandError, LabFault, ProductFailure } from '../errors.ts';
import { Deadline } from '../wait/deadline.ts';

// A check of a product property that fails as a command is the product's failure; SSH that does
// not answer is the lab's. Against a real OpenSSH server on loopback standing in for the board's
// sshd: this host has no OTA header, no OTA record, no user-data folder of the profile's.

let server: OpenSshServer;
test.beforeAll(async () => {
  server = await startOpenSshServer();
});
test.afterAll(async () => {
  await server?.stop();
});

function boardOn(target: OpenSshServer['target'], userData: string, transcript: string): Board {
  const profile = boardProfileSchema.parse({
    name: 'sama5d2',
    deviceId: '012359551bf18eba',
    serial: { port: '/dev/ttyACM0' },
    login: { user: 'root', password: { none: true } },
    ssh: { host: target.host, port: target.port, user: target.user, privateKey: target.privateKeyPath, hostKeyFingerprint: target.hostKeyFingerprint },
    slots: { A: '/dev/mmcblk0p2', B: '/dev/mmcblk0p3', active: { method: 'cmdline' } },
    userData: [userData],
    logs: { command: 'tail -n0 -F /var/log/messages', sinceBootCommand: 'tail -n +1 -F /var/log/messages' },
    timeouts: { boot: 60_000, download: 60_000, validate: 60_000, install: 60_000, reboot: 60_000, confirm: 60_000, command: 10_000 },
  });
  return new Board(profile, new SshSession(target), noPower, transcript);
}

test('a failed check of a product property is a product failure naming what was checked', async ({}, testInfo) => {
  const board = boardOn(server.target, testInfo.outputPath('no-such-user-data'), testInfo.outputPath('console.log'));
  await board.ssh.connect();
  try {
    const hdr = await board.check('test -s /etc/ota_type_5.hdr && wc -c < /etc/ota_type_5.hdr', '/etc/ota_type_5.hdr is missing or empty', { deadline: Deadline.after(10_000, 'confirm') }).catch((e: unknown) => e);
    expect(hdr, 'a missing OTA header').toBeInstanceOf(ProductFailure);
    expect((hdr as ProductFailure).message, 'names what was checked and the phase').toMatch(/^\[confirm\] \/etc\/ota_type_5\.hdr is missing or empty: .* failed on sama5d2 \(exit status 1\)/);
    expect((hdr as ProductFailure).phase, 'phase').toBe('confirm');

    expect(fs.existsSync('/etc/full_ota_record.json'), 'this host has no OTA record').toBe(false);
    const record = await board.recordVersion().catch((e: unknown) => e);
    expect(record, 'an unreadable OTA record (was a lab fault: CommandError)').toBeInstanceOf(ProductFailure);
    expect((record as ProductFailure).message, 'names the record').toContain("the running image's OTA record /etc/full_ota_record.json");

    // User data gone: before, `find | sort` hid find's failure and gave an empty manifest.
    const manifest = await board.dataManifest().catch((e: unknown) => e);
    expect(manifest, 'user data that cannot be listed').toBeInstanceOf(ProductFailure);
    expect((manifest as ProductFailure).message, 'names the user data').toContain('the user-data files');

    // The harness's own commands stay the lab's.
    expect(await board.sh('exit 4').catch((e: unknown) => e), "the harness's own command").toBeInstanceOf(CommandError);
    expect(((await board.sh('exit 4').catch((e: unknown) => e)) as CommandError).failureClass, "the harness's own command").toBe('lab-fault');
  } finally {
    board.ssh.close();
  }
});

test('a check on a board whose SSH is gone is a lab fault', async ({}, testInfo) => {
  const gone = await startOpenSshServer();
  const board = boardOn(gone.target, '/afero_nv', testInfo.outputPath('console.log'));
  try {
    await board.ssh.connect();
    const lost = new Promise((resolve) => board.ssh.once('disconnected', resolve));
    await gone.stop(); // sshd and its sessions killed, as a board that drops off the network
    await lost;
    const err = await board.check('cat /etc/full_ota_record.json', 'the OTA record').catch((e: unknown) => e);
    expect(err, `SSH unreachable (${String(err)})`).toBeInstanceOf(LabFault);
    expect((err as LabFault).failureClass, 'class').toBe('lab-fault');
  } finally {
    board.ssh.close();
    await gone.stop();
  }
});
