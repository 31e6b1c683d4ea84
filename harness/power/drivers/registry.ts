import { z } from 'zod';
import type { PowerDriver } from '../power-driver.ts';
import type { PowerDriverContext, PowerDriverKind } from './power-driver-kind.ts';
import { none } from './none.ts';
import { qemu } from './qemu.ts';
import { command } from './command.ts';
import { pdudaemon } from './pdudaemon.ts';

// The power drivers a profile's `power.driver` can name, as labgrid's target_factory: a new
// driver is one file in this folder and one entry here; the profile's schema, the factory and the
// `power-cut` capability all read this list.

const kinds = [none, qemu, command, pdudaemon] as const;

type Schemas<T extends readonly PowerDriverKind<any>[]> = { -readonly [I in keyof T]: T[I]['schema'] };
const schemas = kinds.map((k) => k.schema) as unknown as Schemas<typeof kinds>;

export const powerDriverNames = kinds.map((k) => k.schema.shape.driver.value);

const quoted = powerDriverNames.map((n) => `"${n}"`);
/** The profile's `power`: one of the drivers' own parts, chosen by `driver`. */
export const powerSchema = z.discriminatedUnion('driver', schemas, { error: `expected driver ${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` });

export type PowerConfig = z.output<typeof powerSchema>;

function kindOf(name: string): PowerDriverKind<any> {
  const kind = kinds.find((k) => k.schema.shape.driver.value === name);
  if (!kind) throw new Error(`power.driver: expected one of ${powerDriverNames.join(', ')}, found ${JSON.stringify(name)}`);
  return kind;
}

/** The driver a (checked) `power` part names, made for one board. */
export function createPowerDriver(config: PowerConfig, context: PowerDriverContext): PowerDriver {
  return kindOf(config.driver).create(config, context);
}

/** Whether the driver a `power` part names can cut the power, known without making it. */
export function powerCanCut(config: Pick<PowerConfig, 'driver'>): boolean {
  return kindOf(config.driver).canCut;
}
