// Power for one board, as labgrid's PowerProtocol: what a scenario may do to the supply.
// A driver without power control (a board on a plain bench supply) says so with `canCut`, and
// the scenarios that need it are skipped with that reason.

export interface PowerDriver {
  readonly canCut: boolean;
  /** The serial address while powered, when the driver decides it (QEMU's pty); else the profile's. */
  readonly serialAddress?: string;
  /** Gets ready to power on (QEMU: starts paused, so its new serial address is known before the first byte). */
  prepare?(): Promise<void>;
  /** Powers on from off (the disk as it was left). */
  on(): Promise<void>;
  /** Cuts the power at this instant: no shutdown, no sync. */
  cut(): Promise<void>;
  /** Ends the driver's use of the board (the virtual board: QEMU stops, its overlay stays in the test output). */
  release(): Promise<void>;
}

/** A board whose power the harness cannot switch. */
export const noPower: PowerDriver = {
  canCut: false,
  async on() {},
  async cut() {
    throw new Error('this board has no power driver: it cannot be cut');
  },
  async release() {},
};
