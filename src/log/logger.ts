// One line per decision, on stderr only: the job owns stdout.
// Text for people reading `kubectl logs` at 3 a.m., JSON lines for log pipelines.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

export interface LogFields {
  pid?: number;
  comm?: string;
  container?: string;
  uid?: number;
  signal?: string;
  outcome?: string;
  ms?: number;
  [key: string]: string | number | boolean | undefined;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  format: LogFormat;
  /** Lowest level written: 'error' for --quiet, 'debug' for --verbose. */
  level: LogLevel;
  write?: (line: string) => void;
  now?: () => Date;
}

let stderrErrorsIgnored = false;
let pending = '';

/**
 * jobdone's log lines are a courtesy; the job's status and the stop are not. When whoever reads
 * stderr goes away, a write fails with EPIPE, and an unhandled 'error' event on process.stderr
 * made jobdone exit 1 in the middle of the stop (TERM-ignoring sidecars were never SIGKILLed).
 * Write errors are dropped: there is nowhere left to report them.
 *
 * Lines written in one synchronous run go out in one write, at its end (a microtask), in order:
 * the stop sends its signals in one run, and a write per "sent SIGTERM" line (a system call,
 * and a wake-up of whoever reads the pipe) ran between the kill(2)s, while the processes signalled
 * first already competed for the CPU. process.exit() writes what is pending ('exit' listener).
 */
export function writeToStderr(line: string): void {
  prepareStderr();
  if (pending === '') queueMicrotask(flushStderr);
  pending += line;
}

/**
 * Makes process.stderr (Node creates the stream on first use: about 2 ms, which the first log
 * line after the job's exit paid) and sets it up as writeToStderr needs; jobdone calls it while
 * the job runs. Writes nothing.
 */
export function prepareStderr(): void {
  if (stderrErrorsIgnored) return;
  stderrErrorsIgnored = true;
  process.stderr.on('error', () => {});
  process.on('exit', flushStderr);
}

function flushStderr(): void {
  if (pending === '') return;
  const text = pending;
  pending = '';
  try {
    process.stderr.write(text);
  } catch {
    // EPIPE and friends, when thrown synchronously: same as above.
  }
}

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? writeToStderr;
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    if (rank[level] < rank[options.level]) return;
    write(options.format === 'json' ? formatJson(now(), level, message, fields) : formatText(level, message, fields));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/**
 * Log lines quote what processes say about themselves (comm, command lines, paths): a 1 MB stat
 * in a hostile /proc tree became a 1 MB log line. A message keeps its first maxMessageChars, a
 * field value its first maxFieldChars, and says how much was cut.
 */
export const maxMessageChars = 8192;
export const maxFieldChars = 512;

export function formatText(level: LogLevel, message: string, fields: LogFields): string {
  const prefix = level === 'info' || level === 'debug' ? 'jobdone: ' : `jobdone: ${level}: `;
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${quoteIfNeeded(capText(String(value), maxFieldChars))}`);
  return `${prefix}${oneLine(capText(message, maxMessageChars))}${pairs.length > 0 ? ' ' + pairs.join(' ') : ''}\n`;
}

/** time is RFC 3339 (UTC); a field can never overwrite time, level or message. */
export function formatJson(time: Date, level: LogLevel, message: string, fields: LogFields): string {
  const { time: _t, level: _l, message: _m, ...rest } = fields;
  const capped = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, typeof value === 'string' ? capText(value, maxFieldChars) : value]));
  return JSON.stringify({ time: time.toISOString(), level, message: capText(message, maxMessageChars), ...capped }) + '\n';
}

export function capText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

function quoteIfNeeded(value: string): string {
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

function oneLine(text: string): string {
  return text.replace(/\r?\n/g, '\\n');
}

/** A logger that drops everything; for pure code paths under test. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
