#!/usr/bin/env node
// Launcher: runs the built CLI. `npm install` builds dist/ (the `prepare` script).
// libuv's thread pool (which runs sharp) is sized before anything can start it: see threadpool.ts.
import { sizeThreadpool } from '../dist/src/util/threadpool.js';

sizeThreadpool();
const { main } = await import('../dist/src/cli/main.js');
const code = await main(process.argv.slice(2));
// Exit once stdout has drained, so a piped --json summary is never cut short
// and no idle keep-alive socket holds the process open.
process.stdout.write('', () => process.exit(code));
