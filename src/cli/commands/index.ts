import type { CommandDef } from '../command.js';
import { crawlCommand } from './crawl.js';
import { ingestCommand } from './ingest.js';
import { filterCommand } from './filter.js';
import { statsCommand } from './stats.js';
import { shardCommand } from './shard.js';
import { demoCommand } from './demo.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { indexCommand } from './build-index.js';
import { searchCommand } from './search.js';
import { classifyCommand } from './classify.js';
import { scoreCommand } from './score.js';
import { refreshCommand } from './refresh.js';
import { checkCommand } from './check.js';
import { reportCommand } from './report.js';
import { mergeCommand } from './merge.js';

/** Every subcommand, in the order --help lists them. Only commands that work are listed. */
export const COMMANDS: readonly CommandDef[] = [
  crawlCommand,
  ingestCommand,
  filterCommand,
  shardCommand,
  trainCommand,
  evalCommand,
  indexCommand,
  searchCommand,
  classifyCommand,
  scoreCommand,
  statsCommand,
  reportCommand,
  checkCommand,
  refreshCommand,
  mergeCommand,
  demoCommand,
];
