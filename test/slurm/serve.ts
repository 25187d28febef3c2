/**
 * The sites of the Slurm test, in their own process so they outlive the jobs: five hosts on
 * 127.0.0.2-6 (test/helpers/sites.ts), the last with a Crawl-delay. Writes their origins to
 * DIR/web.json; on SIGTERM writes every server's own request log to DIR/server-logs.json.
 * SIGUSR2 marks the end of the single-machine phase (each log's length at that moment).
 * Usage: node --import tsx test/slurm/serve.ts DIR CRAWL_DELAY_SECONDS
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWeb } from '../helpers/sites.js';

const dir = process.argv[2]!;
const delay = Number(process.argv[3] ?? '1');
const web = await startWeb(5, delay);
writeFileSync(join(dir, 'web.json'), JSON.stringify({ seed: web.seed, origins: web.servers.map((s) => s.origin), delaySeconds: delay }));
let marks: number[] = web.servers.map(() => 0);
process.on('SIGUSR2', () => {
  marks = web.servers.map((s) => s.log.length);
});
process.on('SIGTERM', () => {
  const logs = web.servers.map((s, k) => ({ origin: s.origin, maxInFlight: s.maxInFlight, mark: marks[k], log: s.log.map((r) => ({ path: r.path, at: r.at, inFlight: r.inFlight })) }));
  writeFileSync(join(dir, 'server-logs.json'), JSON.stringify(logs));
  void web.close().then(() => process.exit(0));
});
