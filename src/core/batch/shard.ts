/**
 * Which shard this process is: `--shard i/n` wins; else a Kubernetes Indexed Job's JOB_COMPLETION_INDEX
 * with JOB_COMPLETIONS (n, which the Job does not export by itself: the manifest in docs/cluster.md
 * sets it), else a Slurm job array's SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT (for arrays that
 * start at 0: SLURM_ARRAY_TASK_MIN is subtracted when set).
 */
import { parseShard, type Shard } from '../dataset/scan';

export interface ShardSource {
  shard?: Shard;
  /** Where it came from, for the log. */
  from: '--shard' | 'kubernetes' | 'slurm' | 'none';
}

export function resolveShard(flag: string | undefined, env: Record<string, string | undefined>): ShardSource {
  if (flag) return { shard: parseShard(flag), from: '--shard' };
  const k8s = pair(env.JOB_COMPLETION_INDEX, env.JOB_COMPLETIONS, 'JOB_COMPLETION_INDEX', 'JOB_COMPLETIONS', 0);
  if (k8s) return { shard: k8s, from: 'kubernetes' };
  const min = env.SLURM_ARRAY_TASK_MIN !== undefined ? int(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN') : 0;
  const slurm = pair(
    env.SLURM_ARRAY_TASK_ID,
    env.SLURM_ARRAY_TASK_COUNT,
    'SLURM_ARRAY_TASK_ID',
    'SLURM_ARRAY_TASK_COUNT',
    min,
  );
  if (slurm) return { shard: slurm, from: 'slurm' };
  return { from: 'none' };
}

function pair(
  i: string | undefined,
  n: string | undefined,
  iName: string,
  nName: string,
  offset: number,
): Shard | undefined {
  if (i === undefined && n === undefined) return undefined;
  if (i === undefined || n === undefined)
    throw new Error(
      `${i === undefined ? nName : iName} is set but ${i === undefined ? iName : nName} is not: set both, or pass --shard i/n.`,
    );
  const index = int(i, iName) - offset;
  const count = int(n, nName);
  if (count < 1 || index < 0 || index >= count)
    throw new Error(
      `${iName}=${i}${offset ? ` (minus ${offset})` : ''} is not a shard of ${nName}=${n}: need 0 <= i < n.`,
    );
  return { index, count };
}

function int(v: string, name: string): number {
  if (!/^\d+$/.test(v.trim())) throw new Error(`${name}="${v}" is not a whole number.`);
  return Number(v);
}
