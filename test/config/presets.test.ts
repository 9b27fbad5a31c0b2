import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopbackHost, parseHttpEndpoint, parseTcpEndpoint } from '../../src/config/endpoints.ts';
import { describeGate } from '../../src/config/gates.ts';
import { parseInvocation } from '../../src/config/parse.ts';
import { parsePresets } from '../../src/config/presets.ts';
import { runConfig as run, usageError as usage } from '../helpers/config.ts';

describe('loopback check', () => {
  it('accepts 127.0.0.0/8, ::1, IPv4-mapped 127.x and localhost; refuses the rest', () => {
    for (const host of ['127.0.0.1', '127.9.8.7', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:7f00:1']) assert.ok(isLoopbackHost(host), host);
    for (const host of ['10.0.0.1', '169.254.169.254', '0.0.0.0', '::', 'example.com', 'localhost.example.com', 'a.localhost', '128.0.0.1', '::2']) assert.ok(!isLoopbackHost(host), host);
  });

  it('parses METHOD URL, HOST:PORT, IPv6 literals', () => {
    assert.deepEqual(parseHttpEndpoint('http://[::1]:15020/quitquitquit?x=1', 'POST', false),
      { method: 'POST', url: 'http://[::1]:15020/quitquitquit?x=1', host: '::1', port: 15020, path: '/quitquitquit?x=1' });
    assert.equal(parseHttpEndpoint('put http://localhost/stop', 'POST', false).method, 'PUT');
    assert.equal(parseHttpEndpoint('http://127.0.0.1/', 'GET', false).port, 80);
    assert.deepEqual(parseTcpEndpoint('[::1]:5432', false), { host: '::1', port: 5432 });
    assert.throws(() => parseHttpEndpoint('https://127.0.0.1/', 'GET', false), /only http:\/\//);
    assert.throws(() => parseHttpEndpoint('FETCH http://127.0.0.1/', 'GET', false), /unknown HTTP method/);
    assert.throws(() => parseTcpEndpoint('127.0.0.1', false), /HOST:PORT/);
    assert.throws(() => parseTcpEndpoint('127.0.0.1:70000', false), /HOST:PORT/);
    assert.doesNotThrow(() => parseTcpEndpoint('db.example.com:5432', true));
  });
});

describe('presets', () => {
  it('istio sets its gate, its shutdown call and TERM for pilot-agent; --signal-for wins', () => {
    const config = run(['--preset', 'istio', '--signal-for', 'envoy=QUIT']);
    assert.deepEqual(config.ready?.gates.map(describeGate), ['GET http://127.0.0.1:15021/healthz/ready']);
    assert.deepEqual(config.shutdown?.calls.map((c) => `${c.endpoint.method} ${c.endpoint.url} ${c.source}`), ['POST http://127.0.0.1:15020/quitquitquit preset istio']);
    assert.equal(config.stop.signalFor.get('pilot-agent'), 'TERM');
    assert.equal(config.stop.signalFor.get('envoy'), 'QUIT');
  });

  it('overrides after : or , in flags and in JOBDONE_PRESET, where commas also separate presets', () => {
    const fromEnv = run([], { JOBDONE_PRESET: 'istio:host=::1,ready-port=15121,linkerd:shutdown=off,dapr' });
    assert.deepEqual(fromEnv.ready?.gates.map(describeGate), ['GET http://[::1]:15121/healthz/ready', 'GET http://127.0.0.1:4191/ready', 'GET http://127.0.0.1:3500/v1.0/healthz']);
    assert.deepEqual(fromEnv.shutdown?.calls.map((c) => c.endpoint.url), ['http://[::1]:15020/quitquitquit', 'http://127.0.0.1:3500/v1.0/shutdown']);
    const fromFlags = run(['--preset', 'envoy:port=9901', '--preset', 'cloud-sql-proxy']);
    assert.deepEqual(fromFlags.ready?.gates.map(describeGate), ['GET http://127.0.0.1:9901/ready']);
    assert.deepEqual(fromFlags.shutdown?.calls.map((c) => c.endpoint.url), ['http://127.0.0.1:9901/quitquitquit', 'http://127.0.0.1:9091/quitquitquit']);
    assert.equal(parsePresets(['istio:host=127.0.0.2:shutdown=off'])[0]!.shutdown, undefined);
  });

  it('bad presets are usage errors naming what is accepted', () => {
    assert.match(usage(['--preset', 'consul']), /unknown preset "consul": known presets are istio, envoy, linkerd, cloud-sql-proxy, dapr/);
    assert.match(usage(['--preset', 'istio:port=1']), /istio uses two ports: set ready-port= and shutdown-port=/);
    assert.match(usage(['--preset', 'linkerd:colour=red']), /unknown setting "colour"/);
    assert.match(usage(['--preset', 'envoy:port=0']), /a port is 1-65535/);
    assert.match(usage(['--preset', 'istio,istio']), /given twice/);
    assert.match(usage(['--preset', 'cloud-sql-proxy:ready-port=1']), /has no ready endpoint/);
    assert.match(usage(['--preset', 'istio:host=10.0.0.1']), /not a loopback address/);
    assert.doesNotThrow(() => run(['--preset', 'istio:host=10.0.0.1', '--allow-remote-endpoints']));
  });

  it('wait options: defaults, repeatable, env lists; --wait-http takes no method', () => {
    const config = run(['--wait-tcp', '127.0.0.1:5432', '--wait-file', '/tmp/x', '--wait-process', 'envoy', '--wait-timeout', '2m', '--wait-timeout-start'],
      { JOBDONE_WAIT_HTTP: 'http://127.0.0.1:1/a,http://localhost:2/b' });
    assert.deepEqual(config.ready?.gates.map(describeGate), ['GET http://127.0.0.1:1/a', 'GET http://localhost:2/b', 'tcp 127.0.0.1:5432', 'process envoy', 'file /tmp/x']);
    assert.equal(config.ready?.timeoutMs, 120_000);
    assert.equal(config.ready?.startOnTimeout, true);
    assert.equal(run([]).ready?.timeoutMs, 60_000);
    assert.deepEqual(run([]).ready?.gates, []);
    assert.match(usage(['--wait-http', 'POST http://127.0.0.1/']), /readiness is checked with GET/);
    assert.match(usage(['--wait-timeout', 'soon']), /bad duration "soon" for --wait-timeout/);
  });
});

it('jobdone ps honours --preset and JOBDONE_PRESET like a run, so its plan shows the same signals', () => {
  for (const [argv, env] of [[['ps', '--preset', 'linkerd'], {}], [['ps'], { JOBDONE_PRESET: 'linkerd' }]] as const) {
    const invocation = parseInvocation(argv, env);
    assert.equal(invocation.kind, 'ps');
    if (invocation.kind !== 'ps') return;
    assert.equal(invocation.config.stop.signalFor.get('linkerd2-proxy'), 'TERM');
  }
  const overridden = parseInvocation(['ps', '--preset', 'linkerd', '--signal-for', 'linkerd2-proxy=INT'], {});
  assert.equal(overridden.kind === 'ps' && overridden.config.stop.signalFor.get('linkerd2-proxy'), 'INT');
});
