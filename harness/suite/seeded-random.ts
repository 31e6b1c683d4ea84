import { randomBytes, createHash } from 'node:crypto';

// Random numbers from a printed seed, so that a soak run that found a failure can be replayed
// exactly (HIL_SOAK_SEED). mulberry32: small, fast, and good enough to spread instants.

export function newSeed(): string {
  return randomBytes(4).toString('hex');
}

/** Numbers in [0, 1) from `seed` (any string); the same seed gives the same sequence. */
export function seededRandom(seed: string): () => number {
  return mulberry32(createHash('sha256').update(seed).digest().readUInt32LE(0));
}

/** Numbers in [0, 1) from a numeric seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
