import { main } from './src/cli/main.js';
import { readShard, emptyCounts } from './src/webdataset/reader.js';
import { writeFileSync } from 'node:fs';
const dir = '/tmp/i12exp/d';
const io = { stdout: { write: (t: string) => process.stdout.write(t) }, stderr: { write: (t: string) => 0, isTTY: false } };
const c = ['--data-dir', dir, '--config', dir + '/c.json'];
let i = 0;
for await (const s of readShard(dir + '/shards/val-000000.tar', emptyCounts())) {
  if (i++ >= 2) break;
  writeFileSync('/tmp/i12exp/q.jpg', s.image);
  console.log('QUERY', s.caption);
  for (const extra of [[], ['--text', 'on a black background'], ['--text', 'on a black background', '--text-weight', '10']]) {
    console.log('--', extra.join(' '));
    await main(['search', '--run', dir + '/run', '--image', '/tmp/i12exp/q.jpg', '--k', '5', ...extra, ...c], io);
  }
}
await main(['search', '--run', dir + '/run', '--text', 'on a black background', '--k', '5', ...c], io);
