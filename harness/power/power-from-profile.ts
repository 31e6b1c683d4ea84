import { CommandPower, type PowerCommands } from './command-power.ts';
import { noPower, type PowerDriver } from './power-driver.ts';

// The power driver a rack board's profile (with its lab inventory) names. `qemu` is not made here:
// the virtual board's fixture makes it with its built image.

export type PowerConfig = { driver: 'none' } | { driver: 'qemu' } | ({ driver: 'command' } & PowerCommands);

export function powerFromProfile(profile: { name: string; power: { driver: string } }): PowerDriver {
  const p = profile.power as PowerConfig;
  switch (p.driver) {
    case 'none':
      return noPower;
    case 'command': {
      const { driver: _driver, ...commands } = p;
      // The commands learn which board they switch from HIL_BOARD (one script can serve a rack).
      return new CommandPower(commands, { HIL_BOARD: profile.name });
    }
    default:
      throw new Error(`${profile.name}: power.driver "${p.driver}" is not a rack board's driver (expected "none" or "command")`);
  }
}
