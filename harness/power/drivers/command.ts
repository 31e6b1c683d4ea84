import { z } from 'zod';
import { CommandPower } from '../command-power.ts';
import { powerDriverKind } from './power-driver-kind.ts';

// Shell commands: uhubctl, usbrelay, sispmctl, snmpset, a PDU's own client (../command-power.ts).
const shellCommand = (what: string) => z.string({ error: `expected the shell command that ${what}` }).trim().min(1, { error: `expected the shell command that ${what}` });

export const command = powerDriverKind({
  schema: z.strictObject({
    driver: z.literal('command'),
    on: shellCommand('switches the board on'),
    off: shellCommand('switches the board off'),
    cycle: shellCommand('power-cycles the board').optional(),
    status: shellCommand('prints "on" or "off"').optional(),
    timeoutMs: z.number({ error: 'expected milliseconds' }).int().positive().max(2 ** 31 - 1).optional(),
  }),
  canCut: true,
  // The commands learn which board they switch from HIL_BOARD (one script can serve a rack).
  create: ({ driver: _driver, ...commands }, { board }) => new CommandPower(commands, { HIL_BOARD: board }),
});
