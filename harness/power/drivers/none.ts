import { z } from 'zod';
import { noPower } from '../power-driver.ts';
import { powerDriverKind } from './power-driver-kind.ts';

// A board on a plain bench supply: nothing to switch, no power cuts.
export const none = powerDriverKind({
  schema: z.strictObject({ driver: z.literal('none') }),
  canCut: false,
  create: () => noPower,
});
