/** The offenders of one gate: the first few by name, and how many in all (memory stays bounded). */
export class Offenders {
  count = 0;
  readonly first: string[] = [];

  constructor(private readonly limit: number) {}

  add(name: string): void {
    this.count += 1;
    if (this.first.length < this.limit) this.first.push(name);
  }
}

export type GateStatus = 'pass' | 'fail' | 'skip';

/** One gate's verdict, as --json prints it and the JUnit / Markdown reports show it. */
export interface GateResult {
  /** Stable id, e.g. `keys-unique`. */
  name: string;
  /** What the gate asks, in words. */
  describe: string;
  status: GateStatus;
  /** The figures the verdict rests on (counts, shares, thresholds). */
  figures: Record<string, number | string | null>;
  /** The first offending shards / `shard:key`s, with a reason when there is one. */
  offenders: string[];
  /** How many offend in all. */
  offenderCount: number;
  /** Why a gate was skipped, or a remark on its verdict. */
  note?: string;
}

export function gate(
  name: string,
  describe: string,
  figures: GateResult['figures'],
  offenders: { first: readonly string[]; count: number },
  extra: { failed?: boolean; note?: string } = {},
): GateResult {
  const failed = extra.failed ?? offenders.count > 0;
  return {
    name,
    describe,
    status: failed ? 'fail' : 'pass',
    figures,
    offenders: [...offenders.first],
    offenderCount: offenders.count,
    ...(extra.note ? { note: extra.note } : {}),
  };
}

export function skipped(name: string, describe: string, note: string): GateResult {
  return { name, describe, status: 'skip', figures: {}, offenders: [], offenderCount: 0, note };
}
