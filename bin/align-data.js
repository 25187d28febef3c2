#!/usr/bin/env node
// Launcher: runs the built CLI. `npm install` builds dist/ (the `prepare` script).
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv.slice(2));
// Exit once stdout has drained, so a piped --json summary is never cut short
// and no idle keep-alive socket holds the process open.
process.stdout.write('', () => process.exit(code));
