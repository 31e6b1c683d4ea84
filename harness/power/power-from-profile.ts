import { CommandPower } from './command-power.ts';
import { noPower, type PowerDriver } from './power-driver.ts';
import type { BoardProfile } from '../board/profile-schema.ts';

// The power driver a rack board's profile (with its lab inventory) names. `qemu` is not made here:
// the virtual board's fixture makes it with its built image.

export function powerFromProfile(profile: Pick<BoardProfile, 'name' | 'power'>): PowerDriver {
  const p = profile.power;
  switch (p.driver) {
    case 'none':
      return noPower;
    case 'command': {
      const { driver: _driver, ...commands } = p;
      // The commands learn which board they switch from HIL_BOARD (one script can serve a rack).
      return new CommandPower(commands, { HIL_BOARD: profile.name });
    }
    case 'qemu':
      throw new Error(`${profile.name}: power.driver "qemu" is not a rack board's driver (expected "none" or "command")`);
  }
}
