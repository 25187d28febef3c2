/**
 * Checks of the Slurm test, on real stores, shards and the servers' own logs:
 * the merged store's kept set and samples (image sha256 + caption) equal the single-machine
 * run's; no host saw more requests at once than the per-host limit; the Crawl-delay host's
 * requests are at least its delay apart. Prints what differs and exits 1 on any failure.
 * Usage: node --import tsx test/slurm/compare.ts RUN_DIR SINGLE_DIR MERGED_DIR PER_HOST_LIMIT
 */
import Database from 'better-sqlite3';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { groupSamples, readTar } from '../stages/shard/read-shard.js';

const [run, single, merged, limitArg] = process.argv.slice(2) as [string, string, string, string];
let failed = false;
function check(ok: boolean, what: string, detail: unknown = ''): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok ? '' : ` ${JSON.stringify(detail).slice(0, 2000)}`}`);
  if (!ok) failed = true;
}

function rows(dir: string, sql: string): string[] {
  const db = new Database(join(dir, 'align.db'), { readonly: true });
  try {
    return (db.prepare(sql).all() as { k: string }[]).map((r) => r.k).sort();
  } finally {
    db.close();
  }
}

async function samples(dir: string): Promise<string[]> {
  const out: string[] = [];
  const shardDir = join(dir, 'shards');
  for (const f of readdirSync(shardDir).filter((n) => n.endsWith('.tar'))) {
    for (const s of groupSamples(await readTar(join(shardDir, f)))) {
      out.push(`${(JSON.parse(s.members.json!.toString('utf8')) as { sha256: string }).sha256} ${s.members.txt!.toString('utf8')}`);
    }
  }
  return out.sort();
}

function same(what: string, a: string[], b: string[]): void {
  const onlyA = a.filter((x) => !b.includes(x));
  const onlyB = b.filter((x) => !a.includes(x));
  check(a.length === b.length && onlyA.length === 0 && onlyB.length === 0 && a.length > 0, `${what} (${a.length})`, { single: onlyA, merged: onlyB });
}

const kept = `SELECT i.sha256 || ' ' || p.alt_norm AS k FROM decisions d JOIN pairs p ON p.id = d.pair_id JOIN images i ON i.id = p.image_id WHERE d.kept = 1`;
// Copy by copy (with the page): the source copy of a duplicated sample does not depend on pair ids.
const decisions = `SELECT pg.url || ' ' || i.url || ' ' || p.alt_norm || ' ' || d.kept || ' ' || coalesce(d.reason, '') AS k
  FROM decisions d JOIN pairs p ON p.id = d.pair_id JOIN images i ON i.id = p.image_id JOIN pages pg ON pg.id = p.page_id`;
const pairs = `SELECT pg.url || ' ' || i.url || ' ' || p.alt_norm AS k FROM pairs p JOIN pages pg ON pg.id = p.page_id JOIN images i ON i.id = p.image_id`;
same('pairs equal', rows(single, pairs), rows(merged, pairs));
same('kept set equal', rows(single, kept), rows(merged, kept));
same('decisions equal', rows(single, decisions), rows(merged, decisions));
same('samples (sha256 + caption) equal', await samples(single), await samples(merged));

const limit = Number(limitArg);
const web = JSON.parse(readFileSync(join(run, 'web.json'), 'utf8')) as { origins: string[]; delaySeconds: number };
const logs = JSON.parse(readFileSync(join(run, 'server-logs.json'), 'utf8')) as { origin: string; maxInFlight: number; mark: number; log: { path: string; at: number }[] }[];
for (const l of logs) check(l.maxInFlight <= limit && l.log.length > 0, `${l.origin}: ${l.log.length} requests, at most ${l.maxInFlight} at once (limit ${limit})`, l.maxInFlight);
// Each URL is asked once cluster-wide, as by one machine; a cancelled task's request in flight may be asked again.
for (const l of logs) {
  const cluster = l.log.length - l.mark;
  check(cluster >= l.mark && cluster <= l.mark + 1, `${l.origin}: ${cluster} requests from the cluster, ${l.mark} from one machine`, { cluster, single: l.mark });
}
const slow = logs.find((l) => l.origin === web.origins.at(-1))!;
const gaps = slow.log.slice(1).map((r, i) => r.at - slow.log[i]!.at);
// The server stamps arrival times; the crawler counts the delay from the previous response, so a gap is never shorter.
const minGap = Math.min(...gaps);
check(minGap >= web.delaySeconds * 1000 - 5, `${slow.origin}: Crawl-delay ${web.delaySeconds} s, shortest gap ${minGap} ms over ${gaps.length} gaps`, gaps);
process.exit(failed ? 1 : 0);
