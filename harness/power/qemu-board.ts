import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../process/free-port.ts';
import { waitForPath } from '../process/wait-for-path.ts';
import { spawnTied, type TiedProcess } from '../process/tied-process.ts';
import { QmpClient } from './qmp-client.ts';

// One virtual board: a QEMU process on a copy-on-write overlay of the base image (the base stays
// pristine), started paused so that nothing the board prints is lost before the console is open,
// serial on a pty, SSH forwarded to a free loopback port, QMP for power. QEMU runs tied to this
// process: it cannot outlive the run that started it.

export interface QemuBoardOptions {
  baseImage: string;
  /** Folder for the overlay, the QMP socket and QEMU's own log. */
  runDir: string;
  /** The lab OTA service on the host: the board's fixed service address (GUEST_OTA_SERVICE) is forwarded to it. */
  otaServiceUrl?: string;
  /** Keep the overlay from an earlier run of this runDir: power back on after a cut with the disk as it was left. */
  keepDisk?: boolean;
  /** Reuse this loopback port for SSH (a board powered back on keeps its address). */
  sshPort?: number;
  /**
   * A board twin: the disk is an SD card on SD host controller N (Linux names it /dev/mmcblkN), on
   * a raw copy of the base image (see twinDiskArgs). Absent: the plain virtual board's virtio disk.
   */
  sdController?: 0 | 1;
  /** A second QMP socket for power commands run from outside (boards/twins' power script). */
  powerSocket?: string;
  /** The UART on a unix socket QEMU listens on (a twin's UART relay connects there), instead of a pty. */
  serialSocket?: string;
}

/** Where hubby on the virtual board finds the OTA service (boards/virtual/guest/etc/ota-hil/service-url). */
export const GUEST_OTA_SERVICE = { host: '10.0.2.100', port: 80 };

/** QEMU user-network option forwarding the board's OTA service address to the service on the host: one socat per connection. */
function otaServiceForward(hostUrl: string): string {
  const u = new URL(hostUrl);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `,guestfwd=tcp:${GUEST_OTA_SERVICE.host}:${GUEST_OTA_SERVICE.port}-cmd:socat - TCP:${u.hostname}:${port}`;
}

/**
 * A twin's machine: `virt,highmem=off` (PCI's ECAM must sit low for sdhci-pci) with the disk as an
 * SD card on controller N, so Linux sees /dev/mmcblkN as the real board does; with two controllers
 * the card on the second is mmcblk1 (hosts are numbered in probe order). U-Boot's qemu_arm build
 * has no MMC driver: it reads the same raw file as a virtio disk. Raw, not a qcow2 overlay: two
 * qcow2 nodes on one file would each cache its own allocation tables; raw writes meet in the host's
 * page cache, so what U-Boot writes (the environment) Linux reads, and the other way round.
 */
function twinDiskArgs(disk: string, controller: 0 | 1): string[] {
  const controllers = controller === 1 ? ['-device', 'sdhci-pci,id=sdhc0', '-device', 'sdhci-pci,id=sdhc1'] : ['-device', 'sdhci-pci,id=sdhc0'];
  return [
    '-M', 'virt,highmem=off', '-cpu', 'cortex-a15', '-smp', '2', '-m', '512',
    '-bios', '/usr/lib/u-boot/qemu_arm/u-boot.bin',
    '-drive', `if=none,file=${disk},format=raw,id=hd0,file.locking=off`, '-device', 'virtio-blk-device,drive=hd0',
    '-drive', `if=none,file=${disk},format=raw,id=card0,file.locking=off`, ...controllers,
    '-device', `sd-card,drive=card0,bus=/gpex-pcihost/pcie.0/sdhc${controller}/sd-bus`,
  ];
}

export class QemuBoard {
  private constructor(
    readonly runDir: string,
    readonly sshPort: number,
    /** The pty QEMU connected the board's UART to (or the UART's socket, given serialSocket). */
    readonly serialPath: string,
    private readonly proc: TiedProcess,
    private readonly qmp: QmpClient,
    private readonly sockDir: string,
  ) {}

  /** Starts QEMU paused; open the console on `serialPath`, then call powerOn(). */
  static async start(o: QemuBoardOptions): Promise<QemuBoard> {
    fs.mkdirSync(o.runDir, { recursive: true });
    const overlay = path.join(o.runDir, o.sdController === undefined ? 'overlay.qcow2' : 'disk.img');
    // A unix socket path must stay under 108 bytes: keep it in a short temporary folder.
    const sockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hil-qmp-'));
    const qmpSock = path.join(sockDir, 'qmp.sock');
    if (!o.keepDisk || !fs.existsSync(overlay)) {
      fs.rmSync(overlay, { force: true });
      if (o.sdController === undefined) execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', path.resolve(o.baseImage), overlay]);
      else execFileSync('cp', ['--sparse=always', '--reflink=auto', path.resolve(o.baseImage), overlay]);
    }
    const sshPort = o.sshPort ?? (await freePort());
    const proc = spawnTied('qemu-system-arm', [
      ...(o.sdController === undefined
        ? ['-M', 'virt', '-cpu', 'cortex-a15', '-smp', '2', '-m', '512',
          '-bios', '/usr/lib/u-boot/qemu_arm/u-boot.bin',
          '-drive', `if=none,file=${overlay},format=qcow2,id=hd0`, '-device', 'virtio-blk-device,drive=hd0']
        : twinDiskArgs(overlay, o.sdController)),
      ...(o.powerSocket ? ['-qmp', `unix:${o.powerSocket},server=on,wait=off`] : []),
      '-netdev', `user,id=net0,hostfwd=tcp:127.0.0.1:${sshPort}-:22${o.otaServiceUrl ? otaServiceForward(o.otaServiceUrl) : ''}`, '-device', 'virtio-net-device,netdev=net0',
      ...(o.serialSocket ? ['-chardev', `socket,id=uart0,path=${o.serialSocket},server=on,wait=off`] : []),
      '-device', 'virtio-rng-device', '-display', 'none', '-serial', o.serialSocket ? 'chardev:uart0' : 'pty',
      '-qmp', `unix:${qmpSock},server=on,wait=off`, '-S',
    ]);
    await waitForPath(qmpSock, {
      timeoutMs: 20_000,
      what: 'QEMU QMP socket',
      failed: () => (proc.child.exitCode !== null ? `qemu-system-arm exited at start: ${proc.output()}` : undefined),
    });
    let qmp: QmpClient;
    try {
      qmp = await QmpClient.connect(qmpSock);
    } catch (e) {
      await proc.stop();
      fs.rmSync(sockDir, { recursive: true, force: true });
      throw new Error(`cannot reach QEMU's QMP socket ${qmpSock}: ${(e as Error).message}`, { cause: e });
    }
    if (o.serialSocket) return new QemuBoard(o.runDir, sshPort, o.serialSocket, proc, qmp, sockDir);
    const chardevs = await qmp.execute<{ label: string; filename: string }[]>('query-chardev');
    const pty = chardevs.find((c) => c.filename.startsWith('pty:'));
    if (!pty) throw new Error(`QEMU has no pty serial: ${JSON.stringify(chardevs)}`);
    return new QemuBoard(o.runDir, sshPort, pty.filename.slice(4), proc, qmp, sockDir);
  }

  /** QEMU's events (STOP, RESUME, RESET, ...), also those caused through another QMP socket. */
  onEvent(f: (ev: { event: string }) => void): () => void {
    return this.qmp.onEvent(f);
  }

  /** Lets the (paused) board run. */
  powerOn(): Promise<unknown> {
    return this.qmp.execute('cont');
  }

  /** Hard reset, as the reset button: no shutdown, no sync. */
  reset(): Promise<unknown> {
    return this.qmp.execute('system_reset');
  }

  /** Power cut at this instant: QEMU stops at once; the overlay keeps what reached the disk. */
  async powerCut(): Promise<void> {
    await this.qmp.execute('quit').catch(() => undefined);
    await this.proc.exited;
  }

  async stop(): Promise<void> {
    this.qmp.close();
    await this.proc.stop();
    fs.rmSync(this.sockDir, { recursive: true, force: true });
  }
}
