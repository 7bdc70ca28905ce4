/**
 * Cost checks that hold on a loaded machine. A unit test never compares a time with a fixed number of
 * milliseconds: it compares the work with a reference workload measured in the same process, side by
 * side (alternating, best of a few rounds), so whatever slows the machine slows both. Costs are CPU time
 * of this process (all its threads: zlib, sharp's and the codecs' workers included), not wall-clock time,
 * which on a machine shared by many jobs mostly measures how long the process waited for a core.
 * These checks catch what they are for (a spin, a quadratic path, a per-pixel allocation: costly on
 * every run), while a pause that hits one run does not decide. Speed itself is measured by the
 * `npm run bench:*` scripts, not here.
 */
import assert from 'node:assert/strict';

export type Work = () => unknown;

/** A clock of this process's CPU time: call the result for the milliseconds spent since. */
export function cpuClock(): () => number {
  const start = process.cpuUsage();
  return () => {
    const d = process.cpuUsage(start);
    return (d.user + d.system) / 1000;
  };
}

/** CPU milliseconds that `work` costs (awaited if it returns a promise; a rejection counts as an end). */
export async function costOf(work: Work): Promise<number> {
  const spent = cpuClock();
  try {
    await work();
  } catch {
    // The outcome is the caller's business; only the cost counts here.
  }
  return spent();
}

/** Best costs of `work` and `reference` over `rounds` alternating runs. */
export async function sideBySide(
  work: Work,
  reference: Work,
  rounds = 3,
): Promise<{ work: number; reference: number }> {
  let w = Infinity;
  let r = Infinity;
  for (let i = 0; i < rounds; i++) {
    r = Math.min(r, await costOf(reference));
    w = Math.min(w, await costOf(work));
  }
  return { work: w, reference: r };
}

/** Asserts that `work` costs at most `factor` reference runs, measured side by side. Returns the ratio. */
export async function assertCostRatio(
  what: string,
  work: Work,
  reference: Work,
  factor: number,
  rounds = 3,
): Promise<number> {
  const m = await sideBySide(work, reference, rounds);
  const ratio = m.work / m.reference;
  assert.ok(
    ratio <= factor,
    `${what}: ${m.work.toFixed(1)} CPU ms = ${ratio.toFixed(1)} x the reference (${m.reference.toFixed(2)} CPU ms), allowed ${factor} x`,
  );
  return ratio;
}

/**
 * For many small cases (fuzzing, a hostile corpus): judges a cost (cpuClock) the test has already measured against
 * a reference measured once; only a case over the bound is measured again, side by side with the
 * reference, and that measurement decides. Cheap when all is well, and a one-off pause does not fail it.
 */
export function costGuard(reference: Work, factor: number): (what: string, ms: number, rerun: Work) => Promise<void> {
  let ref: number | undefined;
  return async (what, ms, rerun) => {
    ref ??= (await sideBySide(() => undefined, reference, 3)).reference;
    if (ms <= factor * ref) return;
    await assertCostRatio(what, rerun, reference, factor);
  };
}
