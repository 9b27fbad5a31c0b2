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

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
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

export function formatText(level: LogLevel, message: string, fields: LogFields): string {
  const prefix = level === 'info' || level === 'debug' ? 'jobdone: ' : `jobdone: ${level}: `;
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${quoteIfNeeded(String(value))}`);
  return `${prefix}${oneLine(message)}${pairs.length > 0 ? ' ' + pairs.join(' ') : ''}\n`;
}

/** time is RFC 3339 (UTC); a field can never overwrite time, level or message. */
export function formatJson(time: Date, level: LogLevel, message: string, fields: LogFields): string {
  const { time: _t, level: _l, message: _m, ...rest } = fields;
  return JSON.stringify({ time: time.toISOString(), level, message, ...rest }) + '\n';
}

function quoteIfNeeded(value: string): string {
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

function oneLine(text: string): string {
  return text.replace(/\r?\n/g, '\\n');
}

/** A logger that drops everything; for pure code paths under test. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
