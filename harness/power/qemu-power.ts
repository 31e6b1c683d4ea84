import { QemuBoard } from './qemu-board.ts';
import { offThenOn, type PowerDriver } from './power-driver.ts';

// The virtual board's power: a cut ends QEMU at once; power on starts a new QEMU on the same
// overlay (the disk as the cut left it), paused until the console is reopened on its new pty.

export class QemuPower implements PowerDriver {
  readonly canCut = true;
  private board: QemuBoard | undefined;

  constructor(private readonly o: { baseImage: string; runDir: string; otaServiceUrl?: string }) {}

  get serialAddress(): string | undefined {
    return this.board?.serialPath;
  }

  get sshPort(): number {
    if (!this.board) throw new Error('the virtual board is not running');
    return this.board.sshPort;
  }

  private started = false;
  private lastSshPort: number | undefined;

  /** Starts QEMU paused: on a fresh overlay the first time, on the overlay as it was left after. */
  async prepare(): Promise<void> {
    if (this.board) return;
    this.board = await QemuBoard.start({ ...this.o, keepDisk: this.started, sshPort: this.lastSshPort });
    this.started = true;
    this.lastSshPort = this.board.sshPort;
  }

  async on(): Promise<void> {
    await this.prepare();
    await this.board!.powerOn();
  }

  async cut(): Promise<void> {
    await this.board?.powerCut();
    await this.board?.stop();
    this.board = undefined;
  }

  /** QEMU has no supply to switch off gently: off is the cut. */
  async off(): Promise<void> {
    await this.cut();
  }

  async cycle(): Promise<void> {
    await offThenOn(this);
  }

  async release(): Promise<void> {
    await this.board?.stop();
    this.board = undefined;
  }
}
