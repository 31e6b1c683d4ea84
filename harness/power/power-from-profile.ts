import { createPowerDriver, powerCanCut } from './drivers/registry.ts';
import type { PowerDriver } from './power-driver.ts';
import type { BoardProfile } from '../board/profile-schema.ts';

// The power driver a rack board's profile (with its lab inventory) names, from the registry of
// ./drivers/. `qemu` is not made here: the virtual board's fixture makes it with its built image.

export function powerFromProfile(profile: Pick<BoardProfile, 'name' | 'power'>, board = profile.name): PowerDriver {
  return createPowerDriver(profile.power, { board });
}

type Capability = BoardProfile['capabilities'][number];

/** The profile's own capabilities, and `power-cut` when its power driver can cut: no one lists that by hand. */
export function effectiveCapabilities(profile: Pick<BoardProfile, 'power' | 'capabilities'>): Capability[] {
  const own = profile.capabilities.filter((c) => c !== 'power-cut');
  return powerCanCut(profile.power) ? ['power-cut', ...own] : own;
}

/** The profile with its effective capabilities (what `board.has` and `requires()` read). */
export function withPowerCapabilities<P extends Pick<BoardProfile, 'power' | 'capabilities'>>(profile: P): P {
  return { ...profile, capabilities: effectiveCapabilities(profile) };
}
