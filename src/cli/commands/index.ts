import type { CommandDef } from '../command.js';
import { crawlCommand } from './crawl.js';
import { filterCommand } from './filter.js';
import { statsCommand } from './stats.js';
import { shardCommand } from './shard.js';
import { demoCommand } from './demo.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { mergeCommand } from './merge.js';

/** Every subcommand, in the order --help lists them. Only commands that work are listed. */
export const COMMANDS: readonly CommandDef[] = [crawlCommand, filterCommand, shardCommand, trainCommand, evalCommand, statsCommand, demoCommand, mergeCommand];
