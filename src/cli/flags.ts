import type { Options } from 'yargs';
import { usageError } from '../errors.js';

/**
 * Numeric flags checked in the command, so the message names the flag the user typed
 * (`--max-pages: expected an integer >= 1, got \`0\``) rather than the config field it feeds.
 * Undefined when the flag was not given.
 */
export function intFlag(args: Record<string, unknown>, key: string, flag: string, min: number, max = Infinity): number | undefined {
  const value = args[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`;
    throw usageError(`${flag}: expected an integer ${range}, got \`${String(value)}\``);
  }
  return value;
}

export function numberFlag(args: Record<string, unknown>, key: string, flag: string): number | undefined {
  const value = args[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw usageError(`${flag}: expected a number >= 0, got \`${String(value)}\``);
  }
  return value;
}

/**
 * `--partition I/N` and `--partitions N`, as every partitioned command takes them (resolved by
 * resolvePartition); `share` says what partition I/N selects.
 */
export function partitionOptions(share: string): Record<'partition' | 'partitions', Options> {
  return {
    partition: { type: 'string', describe: `${share} (default: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)` },
    partitions: { type: 'number', describe: 'Partition count with Kubernetes JOB_COMPLETION_INDEX (or ALIGN_DATA_PARTITIONS)' },
  };
}
