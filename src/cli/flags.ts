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
