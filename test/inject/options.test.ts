// jobdone inject's options as parseInvocation normalizes them: files and options in any
// order, a run's options passed on in the option table's order, --command-for forms, and how
// explicit --preset flags and --presets interact.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInvocation, UsageError } from '../../src/config/parse.ts';
import type { InjectOptions } from '../../src/inject/options.ts';

function options(argv: string[], env: NodeJS.ProcessEnv = {}): InjectOptions {
  const invocation = parseInvocation(['inject', ...argv], env);
  assert.equal(invocation.kind, 'inject');
  return invocation.options;
}

describe('jobdone inject options', () => {
  it('defaults: stdin, --via init, this version\'s image, detection on, nothing passed on', () => {
    const parsed = options([]);
    assert.deepEqual(parsed.files, []);
    assert.equal(parsed.via, 'init');
    assert.match(parsed.image, /^jobdone:\d+\.\d+\.\d+$/);
    assert.equal(parsed.detectPresets, true);
    assert.deepEqual(parsed.jobdoneArgs, []);
  });

  it('files and options interleave; after -- everything is a file', () => {
    const parsed = options(['a.yaml', '--via', 'baked', '-', 'b.yaml', '--grace=5s', '--', '--c.yaml']);
    assert.deepEqual(parsed.files, ['a.yaml', '-', 'b.yaml', '--c.yaml']);
    assert.equal(parsed.via, 'baked');
    assert.deepEqual(parsed.jobdoneArgs, ['--grace', '5s']);
  });

  it("a run's options go on in the option table's order whatever order they came in, short flags spelled long", () => {
    const parsed = options(['--wait-process', 'sleep', '-q', '--grace', '20s', '--wait-process', 'envoy', '--dry-run']);
    assert.deepEqual(parsed.jobdoneArgs, ['--grace', '20s', '--dry-run', '--quiet', '--wait-process', 'sleep', '--wait-process', 'envoy']);
  });

  it('--command-for takes words split at spaces or a JSON array', () => {
    const parsed = options(['--command-for', 'main=/app/run --all', '--command-for', 'other=["/bin/sh", "-c", "echo a b"]']);
    assert.deepEqual([...parsed.commandFor], [['main', ['/app/run', '--all']], ['other', ['/bin/sh', '-c', 'echo a b']]]);
    assert.throws(() => options(['--command-for', 'main']), /bad value "main" for --command-for: expected NAME=CMD/);
    assert.throws(() => options(['--command-for', 'main=["/app", 1]']), /bad value/);
  });

  it('explicit --preset turns detection off unless --presets auto; --presets none always off', () => {
    assert.equal(options(['--preset', 'istio:ready-port=15121']).detectPresets, false);
    assert.deepEqual(options(['--preset', 'istio:ready-port=15121']).explicitPresets, ['istio']);
    assert.equal(options(['--preset', 'istio', '--presets', 'auto']).detectPresets, true);
    assert.equal(options(['--presets', 'none']).detectPresets, false);
    assert.throws(() => options(['--presets', 'some']), /bad value "some" for --presets \(JOBDONE_PRESETS\): use auto or none/);
    assert.throws(() => options(['--preset', 'nomesh']), UsageError);
  });

  it("inject's own options read JOBDONE_* variables; a run's options do not", () => {
    const parsed = options([], { JOBDONE_IMAGE: 'registry.example.com/jobdone:9', JOBDONE_GRACE: '99s', JOBDONE_PRESET: 'istio' });
    assert.equal(parsed.image, 'registry.example.com/jobdone:9');
    assert.deepEqual(parsed.jobdoneArgs, []);
    assert.equal(parsed.detectPresets, true);
  });
});
