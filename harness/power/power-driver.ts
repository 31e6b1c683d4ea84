// Power for one board, as labgrid's PowerProtocol: what a scenario may do to the supply.
// A driver without power control (a board on a plain bench supply) says so with `canCut`, and
// the scenarios that need it are skipped with that reason. The drivers a profile can name are in
// ./drivers/ (one file each, listed in ./drivers/registry.ts).

export type PowerState = 'on' | 'off';

export interface PowerDriver {
  readonly canCut: boolean;
  /** The serial address while powered, when the driver decides it (QEMU's pty); else the profile's. */
  readonly serialAddress?: string;
  /** Gets ready to power on (QEMU: starts paused, so its new serial address is known before the first byte). */
  prepare?(): Promise<void>;
  /** Powers on from off (the disk as it was left). */
  on(): Promise<void>;
  /** Powers off. No driver here shuts the board down first: off is a cut, as a relay or PDU outlet does it. */
  off(): Promise<void>;
  /** Off, then on (`offThenOn`), unless the driver has a cycle of its own (a PDU's reboot). */
  cycle(): Promise<void>;
  /** Cuts the power at this instant: no shutdown, no sync (the power-cut scenarios). */
  cut(): Promise<void>;
  /** The power state, when the driver can read it back; undefined when it cannot. */
  status?(): Promise<PowerState | undefined>;
  /** Ends the driver's use of the board (the virtual board: QEMU stops, its overlay stays in the test output). */
  release(): Promise<void>;
}

/** The cycle of a driver that has none of its own. */
export async function offThenOn(power: Pick<PowerDriver, 'on' | 'off'>): Promise<void> {
  await power.off();
  await power.on();
}

const cannot = (what: string) => async () => {
  throw new Error(`this board has no power driver: it cannot be ${what}`);
};

/** A board whose power the harness cannot switch: `on` is a no-op (the board is on, or a person switches it). */
export const noPower: PowerDriver = {
  canCut: false,
  async on() {},
  off: cannot('switched off'),
  cycle: cannot('power-cycled'),
  cut: cannot('cut'),
  async release() {},
};
