import yargs, { type Argv } from 'yargs';
import { AlignError, EXIT, errorMessage, usageError } from '../errors.js';
import { Logger } from '../util/log.js';
import { acquireLock } from '../util/lock.js';
import { packageVersion } from '../util/version.js';
import type { CommandDef, GlobalArgs } from './command.js';
import { COMMANDS } from './commands/index.js';

export interface MainIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/**
 * The CLI: parses flags, runs one command, prints its summary, and maps every failure to an
 * exit code (0 ok, 1 runtime, 2 usage/config, 3 gate failed, 75 another run holds the lock,
 * 130 interrupted). Callable from
 * tests: `await main(['crawl', '--seeds', url, '--data-dir', dir, '--json'], io)`.
 */
export async function main(argv: string[], io: MainIo = process): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    io.stderr.write('\nstopping: finishing in-flight work (Ctrl-C again to quit at once)\n');
    controller.abort(new AlignError('E_INTERRUPTED', 'interrupted'));
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let exitCode: number = EXIT.ok;
  try {
    await buildParser(argv, io, controller.signal, (code) => (exitCode = code)).parseAsync();
    if (controller.signal.aborted) exitCode = EXIT.interrupted;
  } catch (err) {
    exitCode = reportError(err, io);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  return exitCode;
}

function buildParser(argv: string[], io: MainIo, signal: AbortSignal, setExit: (code: number) => void): Argv {
  let parser = yargs(argv)
    .scriptName('align-data')
    .usage('$0 <command> [options]\n\nBuild ALIGN-style image/alt-text corpora: crawl → filter → shard → train.')
    .option('data-dir', { type: 'string', default: './data', describe: 'Data directory (align.db, images/, shards/)' })
    .option('config', { type: 'string', describe: 'JSON config file (see config.example.json); flags override it' })
    .option('json', { type: 'boolean', default: false, describe: 'Print the summary as one JSON object on stdout' })
    .option('quiet', { type: 'boolean', default: false, alias: 'q', describe: 'Only warnings and errors on stderr' })
    .option('verbose', { type: 'boolean', default: false, describe: 'Debug logging' })
    .group(['data-dir', 'config', 'json', 'quiet', 'verbose'], 'Global options:')
    .strict()
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .version(packageVersion())
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, err) => {
      if (err) throw err;
      throw usageError(tidyYargsMessage(message ?? 'bad usage'));
    });
  for (const def of COMMANDS) {
    parser = parser.command(def.command, def.describe, (y) => def.options(y), async (args) => {
      setExit(await runCommand(def, args as unknown as GlobalArgs & Record<string, unknown>, io, signal));
    });
  }
  return parser;
}

async function runCommand(def: CommandDef, args: GlobalArgs & Record<string, unknown>, io: MainIo, signal: AbortSignal): Promise<number> {
  const log = new Logger({ sink: io.stderr, quiet: args.quiet, level: args.verbose ? 'debug' : 'info' });
  const lock = def.lock ? acquireLock(args.dataDir, def.command.split(' ')[0] ?? def.command) : undefined;
  try {
    const result = await def.run(args, { dataDir: args.dataDir, log, signal });
    log.clearProgress();
    const json = result.jsonLines ? result.jsonLines.map((l) => JSON.stringify(l) + '\n').join('') : JSON.stringify(result.summary) + '\n';
    io.stdout.write(args.json ? json : result.text);
    if (signal.aborted) return EXIT.interrupted;
    return result.exitCode ?? EXIT.ok;
  } finally {
    lock?.release();
  }
}

/** yargs names an unknown `--foo-bar` twice (`foo-bar, fooBar`): keep the spelling the user typed. */
function tidyYargsMessage(message: string): string {
  const m = /^Unknown arguments?: (.*)$/.exec(message);
  if (!m?.[1]) return message;
  const names = m[1].split(', ');
  const kept = names.filter((n) => !(/[A-Z]/.test(n) && names.includes(n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))));
  return `Unknown argument${kept.length > 1 ? 's' : ''}: ${kept.join(', ')}`;
}

function reportError(err: unknown, io: MainIo): number {
  if (err instanceof AlignError) {
    io.stderr.write(`error ${err.code}: ${err.message}\n`);
    if (err.hint) io.stderr.write(`hint: ${err.hint}\n`);
    return err.exitCode;
  }
  io.stderr.write(`error E_RUNTIME: ${errorMessage(err)}\n`);
  if (err instanceof Error && err.stack) io.stderr.write(`${err.stack.split('\n').slice(1, 6).join('\n')}\n`);
  io.stderr.write('hint: this is a bug in align-data if the message does not explain it; please report it\n');
  return EXIT.runtime;
}
