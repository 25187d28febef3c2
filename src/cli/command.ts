import type { Argv } from 'yargs';
import type { StageContext } from '../util/context.js';

/** Options every command takes. */
export interface GlobalArgs {
  dataDir: string;
  config?: string;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

/** What a command hands back: the summary (printed as JSON with --json) and its text form. */
export interface CommandResult {
  summary: Record<string, unknown>;
  text: string;
  /** With --json, printed one JSON line each instead of the summary (e.g. `search --queries`). */
  jsonLines?: readonly unknown[];
  /** Exit code when the command succeeded but wants a non-zero one (e.g. `check`). @default 0 */
  exitCode?: number;
}

/**
 * One subcommand: its flags, and a handler that loads the config, runs the stage and returns
 * the summary. The handler should be twenty lines or so; the work lives in src/stages/.
 */
export interface CommandDef {
  /** yargs command string, e.g. 'crawl' or 'eval'. */
  command: string;
  describe: string;
  /** Takes the data directory's lock for the run (stages that write). */
  lock: boolean;
  options(yargs: Argv): Argv;
  run(args: GlobalArgs & Record<string, unknown>, ctx: StageContext): Promise<CommandResult>;
}
