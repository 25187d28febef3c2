#!/usr/bin/env node
// Launcher: runs the built CLI. `npm install` builds dist/ (the `prepare` script).
//
// CommonJS on purpose (bin/package.json): libuv's thread pool, which runs sharp, is sized once,
// when it starts, and an ES module's imports are read through that pool, so in an ES module the
// pool is already running at libuv's default of 4 before its first line. A CommonJS script runs
// first: it sets the size, then loads the CLI. Two threads per core, at least 4, unless the user
// set UV_THREADPOOL_SIZE; the same rule as DEFAULT_UV_THREADPOOL_SIZE in src/util/threadpool.ts
// (test/cli/launcher.test.ts checks they agree and that the pool gets that many threads).
'use strict';
const { availableParallelism } = require('node:os');

if (!process.env.UV_THREADPOOL_SIZE) {
  process.env.UV_THREADPOOL_SIZE = String(Math.min(1024, Math.max(4, 2 * availableParallelism())));
}
import('../dist/src/cli/main.js').then(async ({ main }) => {
  const code = await main(process.argv.slice(2));
  // Exit once stdout has drained, so a piped --json summary is never cut short
  // and no idle keep-alive socket holds the process open.
  process.stdout.write('', () => process.exit(code));
});
