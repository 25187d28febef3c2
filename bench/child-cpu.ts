import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/**
 * CPU seconds (user + system) of this process's finished child processes, grandchildren
 * included once their parents reaped them (shard's encoder processes, OpenCV's workers):
 * /proc/self/stat's cutime and cstime, in clock ticks. Linux only, as the benches are.
 */
export function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
}
