import type { z } from 'zod';
import type { PowerDriver } from '../power-driver.ts';

// What a driver file exports: the part of the profile's `power` it reads (a strict object whose
// `driver` is its name), whether it can cut (the `power-cut` capability follows from it), and a
// factory. ./registry.ts lists the files; nothing else names a driver.

export interface PowerDriverContext {
  /** The board the driver switches (its rack id, or the profile's name). */
  board: string;
}

export interface PowerDriverKind<S extends z.ZodObject<{ driver: z.ZodLiteral<string> }> = z.ZodObject<{ driver: z.ZodLiteral<string> }>> {
  readonly schema: S;
  readonly canCut: boolean;
  create(config: z.output<S>, context: PowerDriverContext): PowerDriver;
}

/** Declares a driver (an identity that keeps the schema's type for the factory). */
export function powerDriverKind<S extends z.ZodObject<{ driver: z.ZodLiteral<string> }>>(kind: PowerDriverKind<S>): PowerDriverKind<S> {
  return kind;
}
