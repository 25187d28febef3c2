/**
 * Logging and progress. Logs always go to stderr (stdout is for the summary, which --json
 * makes one JSON object). On a terminal a live progress line is redrawn in place; when stderr
 * is not a terminal (cron, CI, a log file) progress becomes a plain line every few seconds.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface LoggerOptions {
  /** Where log lines go. @default process.stderr */
  sink?: LogSink;
  /** Lowest level printed. @default 'info' */
  level?: LogLevel;
  /** Print warnings and errors only, and no progress. @default false */
  quiet?: boolean;
  /** Plain progress lines are printed at most this often when not on a terminal. @default 5000 */
  plainProgressIntervalMs?: number;
}

export type ProgressFields = Record<string, string | number>;

export class Logger {
  private readonly sink: LogSink;
  private readonly minRank: number;
  private readonly quiet: boolean;
  private readonly tty: boolean;
  private readonly plainIntervalMs: number;
  private progressShown = false;
  private lastProgressAt = 0;
  private lastPlainAt = 0;

  constructor(options: LoggerOptions = {}) {
    this.sink = options.sink ?? process.stderr;
    this.quiet = options.quiet ?? false;
    this.minRank = LEVEL_RANK[this.quiet ? 'warn' : (options.level ?? 'info')];
    this.tty = Boolean(this.sink.isTTY);
    this.plainIntervalMs = options.plainProgressIntervalMs ?? 5000;
  }

  debug(message: string): void {
    this.log('debug', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  warn(message: string): void {
    this.log('warn', message);
  }
  error(message: string): void {
    this.log('error', message);
  }

  log(level: LogLevel, message: string): void {
    if (LEVEL_RANK[level] < this.minRank) return;
    this.clearProgress();
    const prefix = level === 'info' ? '' : `${level}: `;
    this.sink.write(`${prefix}${message}\n`);
  }

  /**
   * Shows progress, e.g. `{ pages: 120, images: 800, errors: 3, 'pages/s': 41.2 }`.
   * Throttled: call it as often as you like.
   */
  progress(stage: string, fields: ProgressFields, force = false): void {
    if (this.quiet) return;
    const now = Date.now();
    const line = `[${stage}] ` + Object.entries(fields).map(([k, v]) => `${k} ${formatValue(v)}`).join('  ');
    if (this.tty) {
      if (!force && now - this.lastProgressAt < 100) return;
      this.lastProgressAt = now;
      this.sink.write(`\r\x1b[K${line}`);
      this.progressShown = true;
    } else {
      if (!force && now - this.lastPlainAt < this.plainIntervalMs) return;
      this.lastPlainAt = now;
      this.sink.write(`${line}\n`);
    }
  }

  /** Removes the live progress line (before a log line, and at the end of a stage). */
  clearProgress(): void {
    if (this.progressShown) {
      this.sink.write('\r\x1b[K');
      this.progressShown = false;
    }
  }
}

function formatValue(v: string | number): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(1);
}

/** A logger that prints nothing: for stages called from tests and benchmarks. */
export function silentLogger(): Logger {
  return new Logger({ sink: { write: () => true }, level: 'error', quiet: true });
}
