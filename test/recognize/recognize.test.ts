import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recognizeContainer, type Recognized } from '../../src/recognize/recognize.ts';
import { loadCases, processInfos, sockets, type Expected } from './fixtures.ts';

/** Only the fields a case names are compared, so a case says what it is about. */
function check(found: Recognized | undefined, expected: Expected | null): void {
  if (expected === null) {
    assert.equal(found, undefined, `recognised as ${found?.sidecar} (${found?.evidence})`);
    return;
  }
  assert.ok(found !== undefined, `not recognised, expected ${expected.sidecar}`);
  assert.equal(found.sidecar, expected.sidecar);
  if (expected.role !== undefined) assert.equal(found.role, expected.role);
  if (expected.endpoint !== undefined) {
    const endpoint = found.stop.endpoint === undefined ? null : `${found.stop.endpoint.method} ${found.stop.endpoint.url}`;
    assert.equal(endpoint, expected.endpoint);
  }
  if (expected.signal !== undefined) assert.equal(found.stop.signal, expected.signal);
  if (expected.exitOnSignal !== undefined) assert.equal(found.exitOnSignal ?? null, expected.exitOnSignal);
  if (expected.evidence !== undefined) assert.equal(found.evidence, expected.evidence);
  if (expected.advice !== undefined) assert.match(found.advice ?? '', new RegExp(expected.advice));
  assert.ok(found.display.length > 0);
}

describe('recognizeContainer over test/fixtures/recognize/*.json', () => {
  for (const c of loadCases()) {
    it(`${c.file}: ${c.name}`, () => {
      check(recognizeContainer(processInfos(c.processes), sockets(c.listening)), c.expect);
    });
  }
});

describe('recognizeContainer', () => {
  it('no processes: nothing to recognise', () => {
    assert.equal(recognizeContainer([], sockets([['0.0.0.0', 15020]])), undefined);
  });

  it('every endpoint it returns is on loopback', () => {
    for (const c of loadCases()) {
      const url = recognizeContainer(processInfos(c.processes), sockets(c.listening))?.stop.endpoint?.url;
      if (url !== undefined) assert.match(url, /^http:\/\/(127\.0\.0\.1|\[::1\]):\d+\//, `${c.file}: ${c.name}`);
    }
  });

  it('reads the listening sockets only when a recognised sidecar has an endpoint to check, once', () => {
    let reads = 0;
    const listening = () => {
      reads++;
      return sockets([['0.0.0.0', 15020]]);
    };
    const fluentBit = processInfos([{ comm: 'fluent-bit', uid: 0, cmdline: ['/fluent-bit/bin/fluent-bit', '-c', 'x'] }]);
    const unknown = processInfos([{ comm: 'sleep', uid: 1337, cmdline: ['sleep', 'infinity'] }]);
    assert.equal(recognizeContainer(fluentBit, listening)?.sidecar, 'fluent-bit');
    assert.equal(recognizeContainer(unknown, listening), undefined);
    assert.equal(reads, 0, 'no rule needed a port');
    const istio = processInfos([{ comm: 'pilot-agent', uid: 1337, cmdline: ['/usr/local/bin/pilot-agent', 'proxy', 'sidecar'] }]);
    assert.equal(recognizeContainer(istio, listening)?.stop.endpoint?.url, 'http://127.0.0.1:15020/quitquitquit');
    assert.equal(reads, 1);
  });
});
