import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cleanEnv, runJobdone } from '../helpers/jobdone.ts';

// Each case: jobdone exits 125 with exactly one line on stderr that names the
// bad value, and the job (which would create a marker file) never runs.
const cases: Array<{ name: string; args: string[]; env?: Record<string, string>; mentions: RegExp }> = [
  { name: 'unknown option', args: ['--frobnicate'], mentions: /unknown option "--frobnicate"/ },
  { name: 'bad duration', args: ['--grace', '10 sec'], mentions: /bad duration "10 sec" for --grace/ },
  { name: 'negative duration', args: ['--grace=-1s'], mentions: /bad duration "-1s"/ },
  { name: 'missing option value', args: ['--grace'], mentions: /--grace needs a value/, },
  { name: 'bad signal', args: ['--signal', 'SIGFOO'], mentions: /bad signal "SIGFOO"/ },
  { name: 'bad signal-for', args: ['--signal-for', 'nginx'], mentions: /bad value "nginx" for --signal-for/ },
  { name: 'bad regex', args: ['--only', '(unclosed'], mentions: /bad regular expression "\(unclosed"/ },
  { name: 'bad log format', args: ['--log-format', 'xml'], mentions: /bad log format "xml"/ },
  { name: 'flag with a value', args: ['--no-kill=yes'], mentions: /--no-kill takes no value/ },
  { name: 'bad JOBDONE_GRACE', args: [], env: { JOBDONE_GRACE: 'soon' }, mentions: /bad duration "soon" for --grace \(JOBDONE_GRACE\)/ },
  { name: 'bad JOBDONE_NO_KILL', args: [], env: { JOBDONE_NO_KILL: 'maybe' }, mentions: /bad value "maybe" for JOBDONE_NO_KILL/ },
  { name: 'unknown JOBDONE_ variable', args: [], env: { JOBDONE_GRCE: '5s' }, mentions: /unknown environment variable JOBDONE_GRCE/ },
];

describe('bad input', () => {
  for (const testCase of cases) {
    it(`${testCase.name}: exit 125, one line, nothing run`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'jobdone-bad-'));
      const marker = join(dir, 'ran');
      const result = await runJobdone([...testCase.args, '--', 'touch', marker], { env: cleanEnv(testCase.env) });
      assert.equal(result.code, 125, result.stderr);
      assert.match(result.stderr, /^jobdone: [^\n]+\n$/);
      assert.match(result.stderr, testCase.mentions);
      assert.equal(existsSync(marker), false, 'the job ran');
    });
  }

  it('missing command: exit 125, one line', async () => {
    for (const args of [[], ['--'], ['--grace', '1s', '--']]) {
      const result = await runJobdone(args);
      assert.equal(result.code, 125);
      assert.match(result.stderr, /^jobdone: missing command[^\n]*\n$/);
    }
  });

  it('a flag beats its environment variable', async () => {
    // The environment says a bad grace; the flag overrides it with a good one, so the job runs.
    const result = await runJobdone(['--grace', '1s', '--', 'sh', '-c', 'exit 6'], { env: cleanEnv({ JOBDONE_GRACE: 'soon' }) });
    assert.equal(result.code, 6, result.stderr);
    // Without the flag the variable is read: the same value is refused.
    const fromEnv = await runJobdone(['--', 'sh', '-c', 'exit 6'], { env: cleanEnv({ JOBDONE_GRACE: 'soon' }) });
    assert.equal(fromEnv.code, 125);
  });

  // Issue 18 item 13: under --log-format json (or JOBDONE_LOG_FORMAT=json) the refusal was text.
  it('under --log-format json or JOBDONE_LOG_FORMAT=json every line of a refusal is JSON, the termination-message warning included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-bad-'));
    const marker = join(dir, 'ran');
    const invocations: Array<{ args: string[]; env?: Record<string, string>; mentions: RegExp }> = [
      { args: ['--log-format', 'json', '--frobnicate', '--', 'touch', marker], mentions: /unknown option "--frobnicate"/ },
      { args: ['--log-format=json', '--grace', 'soon', '--', 'touch', marker], mentions: /bad duration "soon"/ },
      { args: ['--grace', 'soon', '--', 'touch', marker], env: { JOBDONE_LOG_FORMAT: 'json' }, mentions: /bad duration "soon"/ },
      { args: ['--', 'touch', marker], env: { JOBDONE_LOG_FORMAT: 'json', JOBDONE_GRCE: '5s' }, mentions: /unknown environment variable JOBDONE_GRCE/ },
      { args: ['ps', '--log-format', 'json', '--frobnicate'], mentions: /unknown option "--frobnicate"/ },
      // A termination log that cannot be written adds a warning: JSON too.
      { args: ['--log-format', 'json', '--termination-log', join(dir, 'no', 'such', 'dir'), '--grace', 'soon', '--', 'touch', marker], mentions: /bad duration "soon"/ },
    ];
    for (const { args, env, mentions } of invocations) {
      const result = await runJobdone(args, { env: cleanEnv(env) });
      assert.equal(result.code, 125, result.stderr);
      const lines = result.stderr.trimEnd().split('\n');
      const parsed = lines.map((line) => {
        try {
          return JSON.parse(line) as { level: string; message: string };
        } catch {
          return assert.fail(`not JSON: ${line}`);
        }
      });
      assert.equal(parsed[0]!.level, 'error');
      assert.match(parsed[0]!.message, mentions);
    }
    assert.equal(existsSync(marker), false, 'the job ran');
  });
});
