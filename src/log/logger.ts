// One line per decision, on stderr only: the job owns stdout.
// Text for people reading `kubectl logs` at 3 a.m., JSON lines for log pipelines.
import { writeToStderr } from './stderr.ts';
import { visible } from './visible.ts';

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

/** at: when it happened, for a line written after the fact (the stop logs its signals once they are all sent); default now. */
export interface Logger {
  debug(message: string, fields?: LogFields, at?: Date): void;
  info(message: string, fields?: LogFields, at?: Date): void;
  warn(message: string, fields?: LogFields, at?: Date): void;
  error(message: string, fields?: LogFields, at?: Date): void;
}

export interface LoggerOptions {
  format: LogFormat;
  /** Lowest level written: 'error' for --quiet, 'debug' for --verbose. */
  level: LogLevel;
  write?: (line: string) => void;
  now?: () => Date;
}

export { writeToStderr } from './stderr.ts';

/**
 * One line of jobdone's own written without a configured logger (a refused invocation, an
 * internal error, install): JSON when JSON was asked for, else the plain `jobdone: MESSAGE`.
 */
export function ownLine(format: LogFormat, level: LogLevel, message: string): string {
  return format === 'json' ? formatJson(new Date(), level, message, {}) : `jobdone: ${message}\n`;
}

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? writeToStderr;
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, message: string, fields: LogFields = {}, at?: Date): void => {
    if (rank[level] < rank[options.level]) return;
    write(options.format === 'json' ? formatJson(at ?? now(), level, message, fields) : formatText(level, message, fields));
  };
  return {
    debug: (m, f, at) => emit('debug', m, f, at),
    info: (m, f, at) => emit('info', m, f, at),
    warn: (m, f, at) => emit('warn', m, f, at),
    error: (m, f, at) => emit('error', m, f, at),
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
    .map(([key, value]) => `${key}=${visible(quoteIfNeeded(capText(String(value), maxFieldChars)))}`);
  return `${prefix}${visible(capText(message, maxMessageChars))}${pairs.length > 0 ? ' ' + pairs.join(' ') : ''}\n`;
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

/** Quoted when empty or holding white space (what \s matches), `"` or `=`, as /^[^\s"=]+$/ tells. */
export function quoteIfNeeded(value: string): string {
  if (value === '') return '""';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 || c === 61 || isWhiteSpace(c)) return JSON.stringify(value);
  }
  return value;
}

// Plain code, no regular expression: V8 compiles one on its first use in every start, which costs
// an emulated (qemu-user) start milliseconds (src/pod/container-id.ts says how many).
function isWhiteSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** A logger that drops everything; for pure code paths under test. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
