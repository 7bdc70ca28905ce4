// The one place a test run draws its random seed (tests themselves may not: test/unit/seeds.test.ts). A run
// prints the seed it used, and passing it back replays the run's random choices.
import { randomInt } from 'node:crypto';

/** The given seed (a string from a flag or the environment), or a fresh 32-bit signed one; throws on garbage. */
export function runSeed(given) {
  // fast-check seeds are 32-bit signed integers (its reports print them that way, e.g. -684466407).
  const seed = given === undefined || given === '' ? randomInt(-(2 ** 31), 2 ** 31) : Number(given);
  if (!Number.isInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 32)
    throw new Error(`a seed must be a 32-bit integer, got ${given}`);
  return seed;
}
