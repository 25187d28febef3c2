import { createHash } from 'node:crypto';
import { usageError } from '../errors.js';

/**
 * Partitioned runs: task I of N owns the hosts whose stable hash falls in it, so per-host
 * politeness (concurrency, Crawl-delay, robots.txt, backoff) holds across the whole cluster.
 * Every stage uses these functions, so crawl, merge and shard agree on who owns what.
 */
export interface Partition {
  index: number;
  count: number;
  /** Where I/N came from: the flag, Slurm's array variables or Kubernetes' completion index. */
  source: 'flag' | 'slurm' | 'kubernetes';
}

/** The partition (0..count-1) a host belongs to: the first 8 bytes of sha256(lower-cased host), mod count. */
export function hostPartition(host: string, count: number): number {
  if (count === 1) return 0;
  const digest = createHash('sha256').update(host.toLowerCase()).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count));
}

const INT = /^(0|[1-9][0-9]*)$/;

function checkPair(index: number, count: number, field: string): void {
  if (count < 1) throw usageError(`${field}: the partition count must be at least 1, got ${count}`);
  if (index >= count) throw usageError(`${field}: partition ${index} does not exist in ${count} (indexes run 0..${count - 1})`);
}

/** `I/N` as given to --partition; a malformed value stops before any work (exit 2). */
export function parsePartitionSpec(value: string, field = '--partition'): { index: number; count: number } {
  const [i, n, extra] = value.trim().split('/');
  if (extra !== undefined || i === undefined || n === undefined || !INT.test(i) || !INT.test(n)) {
    throw usageError(`${field}: expected I/N (e.g. 3/16), got ${JSON.stringify(value)}`);
  }
  const index = Number(i);
  const count = Number(n);
  checkPair(index, count, field);
  return { index, count };
}

function envInt(env: NodeJS.ProcessEnv, name: string): number {
  const raw = env[name]!.trim();
  if (!INT.test(raw)) throw usageError(`${name}: expected a whole number, got ${JSON.stringify(env[name])}`);
  return Number(raw);
}

/**
 * The run's partition: --partition I/N, else Slurm's SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT,
 * else Kubernetes' JOB_COMPLETION_INDEX; the count from --partitions N or ALIGN_DATA_PARTITIONS
 * (needed with Kubernetes, and when one Slurm index is submitted again on its own).
 * null: not partitioned.
 */
export function resolvePartition(flag: unknown, partitions: unknown, env: NodeJS.ProcessEnv = process.env): Partition | null {
  if (flag !== undefined && flag !== null) return { ...parsePartitionSpec(String(flag)), source: 'flag' };
  if (env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_ID !== '') {
    const index = envInt(env, 'SLURM_ARRAY_TASK_ID');
    // Re-submitting one index (sbatch --array=7) makes an array of one: the count given wins.
    const given = partitions !== undefined && partitions !== null ? partitionCount(partitions, env) : env.ALIGN_DATA_PARTITIONS ? envInt(env, 'ALIGN_DATA_PARTITIONS') : undefined;
    if (given === undefined && env.SLURM_ARRAY_TASK_COUNT === undefined) throw usageError('SLURM_ARRAY_TASK_COUNT is not set (submit with sbatch --array=0-N)');
    const count = given ?? envInt(env, 'SLURM_ARRAY_TASK_COUNT');
    checkPair(index, count, 'SLURM_ARRAY_TASK_ID');
    return { index, count, source: 'slurm' };
  }
  if (env.JOB_COMPLETION_INDEX !== undefined && env.JOB_COMPLETION_INDEX !== '') {
    const index = envInt(env, 'JOB_COMPLETION_INDEX');
    const count = partitionCount(partitions, env);
    checkPair(index, count, 'JOB_COMPLETION_INDEX');
    return { index, count, source: 'kubernetes' };
  }
  return null;
}

function partitionCount(partitions: unknown, env: NodeJS.ProcessEnv): number {
  if (partitions !== undefined && partitions !== null) {
    const raw = String(partitions);
    if (!INT.test(raw)) throw usageError(`--partitions: expected a whole number, got ${JSON.stringify(raw)}`);
    return Number(raw);
  }
  if (env.ALIGN_DATA_PARTITIONS === undefined) {
    throw usageError('JOB_COMPLETION_INDEX is set but not the count', 'give --partitions N or set ALIGN_DATA_PARTITIONS (the Job\'s completions)');
  }
  return envInt(env, 'ALIGN_DATA_PARTITIONS');
}

export function formatPartition(p: Partition): string {
  return `${p.index}/${p.count} (from ${p.source === 'flag' ? '--partition' : p.source === 'slurm' ? 'SLURM_ARRAY_TASK_ID' : 'JOB_COMPLETION_INDEX'})`;
}

/** The partition (0..count-1) of a sample by its image's sha256: `shard --partition` splits by it, so all pairs of one image land in one share. */
export function samplePartition(sha256: string, count: number): number {
  return hostPartition(sha256, count);
}

/** A partition's folder or file name, `part-0003-of-0016`: shard, score and index name their parts so. */
export function partName(p: { index: number; count: number }): string {
  return `part-${String(p.index).padStart(4, '0')}-of-${String(p.count).padStart(4, '0')}`;
}
