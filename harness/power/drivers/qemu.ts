import { z } from 'zod';
import { powerDriverKind } from './power-driver-kind.ts';

// The virtual board's own power (../qemu-power.ts): QEMU started on the built image and a fresh
// overlay, which only the board fixture has; so the profile names it and the fixture makes it.
export const qemu = powerDriverKind({
  schema: z.strictObject({ driver: z.literal('qemu') }),
  canCut: true,
  create(_config, { board }) {
    throw new Error(`${board}: power.driver "qemu" is made by the virtual board's fixture (QemuPower on its built image), not from a profile: a rack board needs another driver`);
  },
});
