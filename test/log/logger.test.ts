// The logger: what a line looks like in text and JSON, and which levels are written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger, type LogFormat, type Logger, type LogLevel } from '../../src/log/logger.ts';
import { repoRoot } from '../helpers/jobdone.ts';

function capture(format: LogFormat, level: LogLevel): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({ format, level, write: (line) => lines.push(line), now: () => new Date(Date.UTC(2026, 10, 30, 6, 1, 2, 345)) });
  return { log, lines };
}

function everyLevel(log: Logger): void {
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e');
}

describe('levels', () => {
  it('info (the default) writes info and above; --verbose adds debug; --quiet leaves errors', () => {
    const written = (level: LogLevel): string[] => {
      const { log, lines } = capture('text', level);
      everyLevel(log);
      return lines;
    };
    assert.deepEqual(written('debug'), ['jobdone: d\n', 'jobdone: i\n', 'jobdone: warn: w\n', 'jobdone: error: e\n']);
    assert.deepEqual(written('info'), ['jobdone: i\n', 'jobdone: warn: w\n', 'jobdone: error: e\n']);
    assert.deepEqual(written('warn'), ['jobdone: warn: w\n', 'jobdone: error: e\n']);
    assert.deepEqual(written('error'), ['jobdone: error: e\n']);
  });
});

describe('text', () => {
  it('one line per call: the message, then key=value fields in the order given, unset fields left out', () => {
    const { log, lines } = capture('text', 'info');
    log.info('sent TERM', { pid: 12, comm: 'envoy', container: 'abc', signal: 'TERM', uid: undefined, ok: true, ms: 0 });
    assert.deepEqual(lines, ['jobdone: sent TERM pid=12 comm=envoy container=abc signal=TERM ok=true ms=0\n']);
  });

  it('quotes a value with a space, a quote, an equals sign or nothing in it, so fields stay parseable', () => {
    const { log, lines } = capture('text', 'info');
    log.info('m', { a: 'two words', b: 'say "hi"', c: 'k=v', d: '', e: 'tab\there', f: 'plain-value_1.2/x' });
    assert.equal(lines[0], 'jobdone: m a="two words" b="say \\"hi\\"" c="k=v" d="" e="tab\\there" f=plain-value_1.2/x\n');
  });

  it('a newline in a message or a field cannot start a second line', () => {
    const { log, lines } = capture('text', 'info');
    log.warn('first\nsecond\r\nthird', { comm: 'a\nb' });
    assert.deepEqual(lines, ['jobdone: warn: first\\nsecond\\r\\nthird comm="a\\nb"\n']);
  });

  // Issue 18 item 12: ESC sequences, bare CR, C1 controls and U+2028 reached the log raw.
  it('control characters in a message or a field are shown as visible escapes, never written raw', () => {
    const { log, lines } = capture('text', 'info');
    log.info('sent SIGTERM to \x1b[2Jclear\rCR', { comm: 'a\x9bb\u2028c', cmdline: 'osc \x1b]52;c;ZXZpbA==\x07 \u202eevil', pid: 3 });
    assert.deepEqual(lines, ['jobdone: sent SIGTERM to \\e[2Jclear\\rCR comm="a\\x9bb\\u2028c" cmdline="osc \\u001b]52;c;ZXZpbA==\\u0007 \\u202eevil" pid=3\n']);
  });
});

describe('json', () => {
  it('one JSON object per line: RFC 3339 UTC time, level, message, then the fields', () => {
    const { log, lines } = capture('json', 'debug');
    log.debug('x', { pid: 3, comm: 'a "b"\nc', uid: undefined });
    log.error('y');
    assert.deepEqual(lines.map((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n')), [true, true]);
    assert.deepEqual(JSON.parse(lines[0]!), { time: '2026-11-30T06:01:02.345Z', level: 'debug', message: 'x', pid: 3, comm: 'a "b"\nc' });
    assert.deepEqual(JSON.parse(lines[1]!), { time: '2026-11-30T06:01:02.345Z', level: 'error', message: 'y' });
    assert.equal(Object.keys(JSON.parse(lines[0]!)).join(), 'time,level,message,pid,comm');
  });

  it('a field named time, level or message never overwrites the line\'s own', () => {
    const { log, lines } = capture('json', 'info');
    log.warn('real', { time: 'fake', level: 'debug', message: 'fake', pid: 1 });
    assert.deepEqual(JSON.parse(lines[0]!), { time: '2026-11-30T06:01:02.345Z', level: 'warn', message: 'real', pid: 1 });
  });
});

// Node's default printer goes through process.stderr (O_NONBLOCK on the pipe the job shares).
describe("Node's own warnings", () => {
  it('are written as jobdone lines through fd 2, JSON under JOBDONE_LOG_FORMAT=json', () => {
    const script = "import('./src/log/node-warnings.ts').then(() => process.emitWarning('something old', 'DeprecationWarning'))";
    for (const [format, expected] of [['text', /^jobdone: node: DeprecationWarning: something old\n$/], ['json', /^\{"time":"[^"]+","level":"warn","message":"node: DeprecationWarning: something old"\}\n$/]] as const) {
      const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, JOBDONE_LOG_FORMAT: format } });
      assert.match(result.stderr, expected);
    }
  });
});

describe('stderr', () => {
  it('writes the lines of one synchronous run in one write, in order, and what is pending at process.exit()', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./stderr-burst.ts', import.meta.url))], { encoding: 'utf8' });
    assert.equal(child.status, 3, child.stderr);
    const expected = [...Array.from({ length: 50 }, (_, i) => `sent SIGTERM ${i + 1}`), 'last line before exit'];
    assert.deepEqual(child.stderr.trimEnd().split('\n'), expected);
    // The burst is one write; the last line, written at exit, another.
    assert.equal(child.stdout, '2 writes\n');
  });
});

describe('quoting a text field', () => {
  it('quotes exactly what /^[^\\s"=]+$/ refuses: empty, any white space JavaScript knows, `"` and `=`', async () => {
    const { quoteIfNeeded } = await import('../../src/log/logger.ts');
    const spaces = [9, 10, 11, 12, 13, 32, 0xa0, 0x1680, ...Array.from({ length: 11 }, (_, i) => 0x2000 + i), 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff];
    const samples = ['', 'plain', 'a=b', 'say "hi"', 'x\u200by', 'caf\u00e9', 'k8s.io/pod', '\u0085', '\u180e', ...spaces.map((c) => `a${String.fromCharCode(c)}b`)];
    // Every character of the Basic Multilingual Plane once, each alone.
    for (let c = 0; c < 0x10000; c++) samples.push(String.fromCharCode(c));
    for (const value of samples) assert.equal(quoteIfNeeded(value), /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value), JSON.stringify(value));
  });
});
