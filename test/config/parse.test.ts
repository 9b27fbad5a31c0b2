// The parser itself, without a process: argv and JOBDONE_* in, one validated configuration (or
// one UsageError line) out. test/cli/bad-input.test.ts checks the same errors end in exit 125.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { environmentForJob } from '../../src/config/outer.ts';
import { parseInvocation, UsageError } from '../../src/config/parse.ts';
import { runConfig as run, stopOptions, usageError as usage } from '../helpers/config.ts';

describe('durations', () => {
  it('500ms, 10s, 2m, 1h, a bare number of seconds and fractions all become milliseconds', () => {
    const grace = (text: string): number => run(['--grace', text]).stop.graceMs;
    assert.equal(grace('500ms'), 500);
    assert.equal(grace('10s'), 10_000);
    assert.equal(grace('2m'), 120_000);
    assert.equal(grace('1h'), 3_600_000);
    assert.equal(grace('7'), 7000);
    assert.equal(grace('1.5s'), 1500);
    assert.equal(grace(' 3s '), 3000);
    assert.equal(grace('0'), 0);
    assert.equal(run([]).stop.graceMs, 10_000);
    assert.equal(run(['--wait-timeout', '90s']).ready?.timeoutMs, 90_000);
    assert.equal(run(['--timeout', '2m']).timeoutMs, 120_000);
    assert.equal(run([]).timeoutMs, undefined);
  });

  it('refuses units it does not know, signs, spaces inside, and more than setTimeout can wait', () => {
    for (const text of ['10 sec', '-1s', '1d', 's', '', '1e3', '600h']) {
      assert.match(usage(['--grace', text]), /^bad duration ".*" for --grace \(JOBDONE_GRACE\): use 500ms, 10s, 2m, 1h or a number of seconds$/, text);
    }
    assert.match(usage(['--timeout', '0s']), /^bad duration "0s" for --timeout \(JOBDONE_TIMEOUT\): a deadline must be longer than 0$/);
  });
});

describe('signals', () => {
  it('names with or without SIG, any case, and numbers all become the bare name', () => {
    for (const text of ['TERM', 'term', 'SIGTERM', 'sigterm', '15', ' TERM ']) assert.equal(run(['--signal', text]).stop.signal, 'TERM', text);
    assert.equal(run(['--signal', '9']).stop.signal, 'KILL');
    assert.equal(run(['--signal', 'SIGUSR1']).stop.signal, 'USR1');
    assert.equal(run([]).stop.signal, 'TERM');
  });

  it('--signal-for maps a comm to a normalized signal; later items for the same comm win', () => {
    const { signalFor } = run(['--signal-for', 'nginx=sigquit', '--signal-for', ' php-fpm =3', '--signal-for', 'nginx=INT']).stop;
    assert.deepEqual([...signalFor], [['nginx', 'INT'], ['php-fpm', 'QUIT']]);
  });

  it('refuses signals the kernel does not have and COMM=SIG items without a comm', () => {
    for (const text of ['SIGFOO', 'TERMINATE', '0', '999', '']) {
      assert.match(usage(['--signal', text]), /^bad signal ".*" for --signal \(JOBDONE_SIGNAL\): use a name such as TERM/, text);
    }
    assert.match(usage(['--signal-for', 'nginx']), /^bad value "nginx" for --signal-for \(JOBDONE_SIGNAL_FOR\): expected COMM=SIG/);
    assert.match(usage(['--signal-for', '=TERM']), /^bad value "=TERM" for --signal-for/);
    assert.match(usage(['--signal-for', 'nginx=NOPE']), /^bad signal "NOPE" for --signal-for \(JOBDONE_SIGNAL_FOR\)/);
  });
});

describe('environment and flags', () => {
  it('every option can come from JOBDONE_<NAME>; lists are comma-separated; flags take true/false, 1/0, yes/no, on/off', () => {
    const config = run([], {
      JOBDONE_GRACE: '3s', JOBDONE_SIGNAL: 'int', JOBDONE_SIGNAL_FOR: 'nginx=QUIT, envoy=TERM,', JOBDONE_ONLY: 'sleep',
      JOBDONE_NO_KILL: 'yes', JOBDONE_DRY_RUN: 'ON', JOBDONE_ALLOW_HOST_PID: '0', JOBDONE_LOG_FORMAT: 'json', JOBDONE_VERBOSE: '1',
      JOBDONE_PROC_ROOT: '/host/proc', JOBDONE_TIMEOUT: '1m', JOBDONE_WAIT_FILE: '/a,/b',
      JOBDONE_STOP_ORDER: 'proxies,senders', JOBDONE_NO_RECOGNIZE: 'true', JOBDONE_NATIVE_SIDECAR: '^envoy$,^vault agent',
      JOBDONE_KEEP_SIDECARS_ON_FAILURE: 'yes', JOBDONE_TERMINATION_FORMAT: 'json',
    });
    assert.deepEqual({ ...config.stop, only: String(config.stop.only), signalFor: [...config.stop.signalFor], nativeSidecar: String(config.stop.nativeSidecar) }, {
      only: '/sleep/l', skip: undefined, signal: 'INT', signalFor: [['nginx', 'QUIT'], ['envoy', 'TERM']], graceMs: 3000,
      noKill: true, allowHostPid: false, dryRun: true,
      stopOrder: [{ name: 'proxies', kind: 'proxies' }, { name: 'senders', kind: 'senders' }], recognize: false,
      nativeSidecar: '/(?:^envoy$)|(?:^vault agent)/l', keepSidecarsOnFailure: true,
    });
    assert.equal(config.terminationFormat, 'json');
    assert.deepEqual(config.log, { format: 'json', level: 'debug' });
    assert.equal(config.procRoot, '/host/proc');
    assert.equal(config.timeoutMs, 60_000);
    assert.deepEqual(config.ready?.gates.map((gate) => gate.kind === 'file' && gate.path), ['/a', '/b']);
  });

  it('a flag beats its variable, whatever the order; an empty variable is unset unless empty means something', () => {
    assert.equal(run(['--grace', '1s'], { JOBDONE_GRACE: '5s' }).stop.graceMs, 1000);
    assert.equal(run(['--grace', '1s'], { JOBDONE_GRACE: 'soon' }).stop.graceMs, 1000, 'a bad variable under a flag is never read');
    assert.equal(run([], { JOBDONE_GRACE: '' }).stop.graceMs, 10_000);
    assert.equal(run([], { JOBDONE_TERMINATION_LOG: '' }).terminationLog, undefined);
    assert.deepEqual(run(['--termination-log', '/tmp/t'], { JOBDONE_TERMINATION_LOG: '' }).terminationLog, { path: '/tmp/t', onlyIfPresent: false });
    assert.deepEqual(run([]).terminationLog, { path: '/dev/termination-log', onlyIfPresent: true });
  });

  it('the last value of a single-value option wins; list options accumulate', () => {
    assert.equal(run(['--grace', '1s', '--grace=2s']).stop.graceMs, 2000);
    assert.deepEqual(run(['--wait-file', '/a', '--wait-file=/b']).ready?.gates.map((gate) => gate.source), ['--wait-file', '--wait-file']);
  });

  it('refuses a JOBDONE_* variable it does not know (a typo would silently do nothing), naming the known ones', () => {
    const message = usage([], { JOBDONE_GRCE: '5s' });
    assert.match(message, /^unknown environment variable JOBDONE_GRCE; known: JOBDONE_GRACE, JOBDONE_SIGNAL, /);
    assert.doesNotMatch(message, /JOBDONE_HELP|JOBDONE_VERSION/);
    assert.match(usage([], { JOBDONE_NO_KILL: 'maybe' }), /^bad value "maybe" for JOBDONE_NO_KILL: expected true or false/);
    // Other programs' variables are none of jobdone's business.
    assert.equal(run([], { GRACE: 'soon', JOBDONEX: '1' }).stop.graceMs, 10_000);
  });
});

describe('log options', () => {
  it('-q is errors only, -v adds debug, both is a contradiction; text or json', () => {
    assert.deepEqual(run([]).log, { format: 'text', level: 'info' });
    assert.equal(run(['-q']).log.level, 'error');
    assert.equal(run(['--verbose']).log.level, 'debug');
    assert.match(usage(['-q', '-v']), /^--quiet and --verbose contradict each other/);
    assert.match(usage(['--log-format', 'xml']), /^bad log format "xml" for --log-format \(JOBDONE_LOG_FORMAT\): use text or json$/);
  });
});

describe('subcommands and the command', () => {
  it('run: the command and its arguments after --, or from the first word that is not an option', () => {
    const parsed = (argv: string[]) => {
      const invocation = parseInvocation(argv, {});
      assert.equal(invocation.kind, 'run');
      return invocation.kind === 'run' ? [invocation.config.command, ...invocation.config.args] : [];
    };
    assert.deepEqual(parsed(['--grace', '1s', '--', 'sh', '-c', 'exit 3']), ['sh', '-c', 'exit 3']);
    assert.deepEqual(parsed(['./job.sh', '--grace', '1s']), ['./job.sh', '--grace', '1s']);
    assert.deepEqual(parsed(['--', '--weird-name']), ['--weird-name']);
    assert.deepEqual(parsed(['-', 'x']), ['-', 'x']);
  });

  it('help and version win over everything else, even bad values', () => {
    assert.deepEqual(parseInvocation(['--help', '--grace', 'soon'], {}), { kind: 'help', subcommand: 'run' });
    assert.deepEqual(parseInvocation(['-h'], { JOBDONE_GRCE: 'x' }), { kind: 'help', subcommand: 'run' });
    assert.deepEqual(parseInvocation(['ps', '--help'], {}), { kind: 'help', subcommand: 'ps' });
    assert.deepEqual(parseInvocation(['--version'], {}), { kind: 'version' });
  });

  it('ps: the run\'s stop options plus --json, no arguments; sidecar: a command and --exit-code-on-stop; install: one directory', () => {
    const ps = parseInvocation(['ps', '--json', '--only', 'envoy', '--proc-root', '/p'], {});
    assert.equal(ps.kind, 'ps');
    if (ps.kind === 'ps') {
      assert.equal(ps.config.json, true);
      assert.equal(ps.config.procRoot, '/p');
      assert.deepEqual({ ...ps.config.stop, only: undefined }, stopOptions());
      assert.equal(String(ps.config.stop.only), '/envoy/l', 'linear-time engine (issue 10)');
    }
    assert.deepEqual(parseInvocation(['sidecar', '--exit-code-on-stop', '143', '--', 'envoy', '-c', 'x'], {}), {
      kind: 'sidecar',
      config: { command: 'envoy', args: ['-c', 'x'], log: { format: 'text', level: 'info' }, exitCodeOnStop: 143, terminationLog: { path: '/dev/termination-log', onlyIfPresent: true } },
    });
    assert.deepEqual(parseInvocation(['install', '/install'], {}), { kind: 'install', dir: '/install' });
  });

  it('an option for another subcommand is unknown here, and says so', () => {
    const refused = (argv: string[]): string => {
      try {
        parseInvocation(argv, {});
      } catch (error) {
        assert.ok(error instanceof UsageError);
        return error.message;
      }
      assert.fail(`accepted ${argv.join(' ')}`);
    };
    assert.match(refused(['--json', '--', 'true']), /^unknown option "--json"; see jobdone --help \(put the job after -- if it starts with a dash\)$/);
    assert.match(refused(['ps', '--timeout', '1s']), /^unknown option "--timeout" for jobdone ps; see jobdone ps --help/);
    assert.match(refused(['ps', 'extra']), /^jobdone ps takes no arguments, got "extra"/);
    assert.match(refused(['sidecar', '--grace', '1s', '--', 'envoy']), /^unknown option "--grace" for jobdone sidecar/);
    assert.match(refused(['sidecar', '--exit-code-on-stop', '256', '--', 'envoy']), /^bad exit code "256" for --exit-code-on-stop/);
    assert.match(refused(['sidecar']), /^missing command: give the sidecar to run/);
    assert.match(refused(['install']), /^jobdone install takes one directory/);
    assert.match(refused(['install', '/a', '/b']), /^jobdone install takes one directory/);
    // The environment of another subcommand's option is known, so not refused, and not read either.
    assert.equal(parseInvocation(['ps'], { JOBDONE_TIMEOUT: 'soon' }).kind, 'ps');
  });

  it('errors name the option and what is accepted: missing command, missing value, a flag with a value', () => {
    assert.throws(() => parseInvocation(['--grace', '1s'], {}), { message: /^missing command: give the job to run after the options/ });
    assert.throws(() => parseInvocation(['--grace'], {}), { message: 'option --grace needs a value (DURATION)' });
    assert.throws(() => parseInvocation(['--grace', '--', 'true'], {}), { message: 'option --grace needs a value (DURATION)' });
    assert.match(usage(['--no-kill=yes']), /^option --no-kill takes no value, got "--no-kill=yes"$/);
    assert.match(usage(['--only', '(unclosed']), /^bad regular expression "\(unclosed" for --only \(JOBDONE_ONLY\)/);
  });
});

describe('the stop\'s order and scope (issue 17)', () => {
  it('defaults: senders then proxies, recognition on, no native sidecar, sidecars stopped after a failure, text message', () => {
    const config = run([]);
    assert.deepEqual(config.stop.stopOrder, [{ name: 'senders', kind: 'senders' }, { name: 'proxies', kind: 'proxies' }]);
    assert.equal(config.stop.recognize, true);
    assert.equal(config.stop.nativeSidecar, undefined);
    assert.equal(config.stop.keepSidecarsOnFailure, false);
    assert.equal(config.terminationFormat, 'text');
  });

  it('--stop-order: all alone; names and patterns; each once', () => {
    assert.deepEqual(run(['--stop-order', 'all']).stop.stopOrder, [{ name: 'all', kind: 'all' }]);
    const order = run(['--stop-order', 'fluent-bit, senders,proxy']).stop.stopOrder;
    assert.deepEqual(order.map((phase) => [phase.name, phase.kind]), [['fluent-bit', 'pattern'], ['senders', 'senders'], ['proxies', 'proxies']]);
    assert.match(usage(['--stop-order', 'all,proxies']), /bad value "all,proxies" for --stop-order \(JOBDONE_STOP_ORDER\): all is one phase for everything and stands alone/);
    assert.match(usage(['--stop-order', 'senders,,proxies']), /give phases separated by commas/);
    assert.match(usage(['--stop-order', 'senders,senders']), /senders is named twice/);
    assert.match(usage(['--stop-order', '(a']), /bad regular expression "\(a" for --stop-order/);
  });

  it('--native-sidecar: repeatable, linear-time patterns; --termination-format text or json', () => {
    const native = run(['--native-sidecar', '^envoy$', '--native-sidecar', 'agent']).stop.nativeSidecar;
    assert.equal(String(native), '/(?:^envoy$)|(?:agent)/l');
    assert.match(usage(['--native-sidecar', '(a)\\1']), /cannot be matched in linear time/);
    assert.match(usage(['--termination-format', 'yaml']), /bad value "yaml" for --termination-format \(JOBDONE_TERMINATION_FORMAT\): use text or json/);
  });
});

describe('JOBDONE_OUTER_SKIP (the --skip of a jobdone that runs this one)', () => {
  it('is added to this one\'s --skip: either matches; alone it is the skip; it is no unknown variable', () => {
    const both = run(['--skip', 'envoy'], { JOBDONE_OUTER_SKIP: 'fluent' }).stop.skip!;
    assert.ok(both.test('fluent-bit') && both.test('envoy') && !both.test('sleep'));
    assert.equal(run([], { JOBDONE_OUTER_SKIP: 'fluent' }).stop.skip?.source, 'fluent');
    assert.equal(run(['--skip', 'envoy'], { JOBDONE_OUTER_SKIP: '' }).stop.skip?.source, 'envoy');
    // Each is checked alone: a skip cannot close the other's group and widen the match.
    assert.match(usage(['--skip', 'a)|(.*'], { JOBDONE_OUTER_SKIP: 'x' }), /bad regular expression "a\)\|\(\.\*" for --skip/);
    assert.match(usage([], { JOBDONE_OUTER_SKIP: '(a)\\1' }), /JOBDONE_OUTER_SKIP .* cannot be matched in linear time/);
  });

  it('a jobdone with a --skip passes it to its job; without one the job\'s environment is jobdone\'s, untouched', () => {
    assert.equal(environmentForJob({ A: '1' }, undefined), undefined);
    assert.deepEqual(environmentForJob({ A: '1' }, /fluent|envoy/), { A: '1', JOBDONE_OUTER_SKIP: 'fluent|envoy' });
  });
});
