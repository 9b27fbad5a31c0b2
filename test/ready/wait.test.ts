// The wait's decisions over fake probes, clock and signals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReadinessGate, ReadyOptions } from '../../src/config/gates.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { ProbeResult } from '../../src/ready/probes.ts';
import { waitUntilReady, type WaitDeps } from '../../src/ready/wait.ts';

const file = (path: string): ReadinessGate => ({ kind: 'file', path, source: '--wait-file' });

/** Virtual time: sleep advances the clock; probes answer by gate and time. */
function harness(answer: (gate: ReadinessGate, at: number) => ProbeResult | 'hang', received: NodeJS.Signals[] = []) {
  let clock = 0;
  const lines: string[] = [];
  const listeners: Array<(s: NodeJS.Signals) => void> = [];
  const probes: Array<{ gate: string; at: number }> = [];
  const deps: WaitDeps = {
    probe: async (gate) => {
      probes.push({ gate: gate.kind === 'file' ? gate.path : gate.kind, at: clock });
      const result = answer(gate, clock);
      return result === 'hang' ? new Promise<ProbeResult>(() => {}) : result;
    },
    signals: { received, onSignal: (listener) => listeners.push(listener) },
    log: createLogger({ format: 'text', level: 'debug', write: (line) => lines.push(line) }),
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
  };
  const send = (signal: NodeJS.Signals): void => {
    received.push(signal);
    for (const listener of listeners) listener(signal);
  };
  return { deps, lines, probes, send, clock: () => clock };
}

const options = (gates: ReadinessGate[], extra: Partial<ReadyOptions> = {}): ReadyOptions => ({ gates, timeoutMs: 1000, startOnTimeout: false, ...extra });

describe('waitUntilReady', () => {
  it('no gates: ready at once, nothing logged', async () => {
    const h = harness(() => assert.fail('probed'));
    assert.deepEqual(await waitUntilReady(options([]), h.deps), { kind: 'ready' });
    assert.deepEqual(h.lines, []);
  });

  it('polls with a growing interval until every gate has passed; a passed gate is not probed again', async () => {
    const h = harness((gate, at) => ((gate as { path: string }).path === '/a' ? { ok: true, detail: 'exists' } : at >= 300 ? { ok: true, detail: 'exists' } : { ok: false, detail: 'does not exist' }));
    assert.deepEqual(await waitUntilReady(options([file('/a'), file('/b')]), h.deps), { kind: 'ready' });
    assert.equal(h.probes.filter((p) => p.gate === '/a').length, 1);
    const times = h.probes.filter((p) => p.gate === '/b').map((p) => p.at);
    assert.deepEqual(times, [0, 20, 60, 140, 300]);
    assert.match(h.lines.join(''), /ready: file \/b \(--wait-file\): exists ms=300/);
    assert.match(h.lines.join(''), /all 2 readiness gate\(s\) passed; starting the job/);
  });

  it('timeout: not-ready 124, the line names the failing gate and its last answer', async () => {
    const h = harness((gate) => ((gate as { path: string }).path === '/a' ? { ok: true, detail: 'exists' } : { ok: false, detail: 'does not exist' }));
    const outcome = await waitUntilReady(options([file('/a'), file('/b')]), h.deps);
    assert.equal(outcome.kind, 'not-ready');
    assert.equal((outcome as { status: number }).status, 124);
    assert.ok(h.clock() >= 1000 && h.clock() < 1300, `gave up at ${h.clock()}`);
    const error = h.lines.find((line) => line.includes('error:'))!;
    assert.match(error, /readiness gate file \/b \(--wait-file; last: does not exist\) did not pass within 1000 ms; not starting the job/);
    assert.doesNotMatch(error, /file \/a/);
  });

  it('--wait-timeout-start: ready, with a warning', async () => {
    const h = harness(() => ({ ok: false, detail: 'does not exist' }));
    assert.deepEqual(await waitUntilReady(options([file('/b')], { startOnTimeout: true }), h.deps), { kind: 'ready' });
    assert.match(h.lines.join(''), /warn: .* starting the job anyway \(--wait-timeout-start\)/);
  });

  it('a terminating signal ends the wait at once, even while a probe hangs: 128+N', async () => {
    const h = harness(() => 'hang');
    const waiting = waitUntilReady(options([file('/b')], { timeoutMs: 60_000 }), h.deps);
    await new Promise((resolve) => setImmediate(resolve));
    h.send('SIGTERM');
    assert.deepEqual(await waiting, { kind: 'not-ready', status: 143, reason: 'SIGTERM arrived while waiting for the sidecars' });
  });

  it('a signal received before the wait began counts; WINCH and CONT do not end it', async () => {
    const early = harness(() => assert.fail('probed after SIGINT'), ['SIGWINCH', 'SIGINT']);
    assert.deepEqual(await waitUntilReady(options([file('/b')]), early.deps), { kind: 'not-ready', status: 130, reason: 'SIGINT arrived while waiting for the sidecars' });

    let sent = false;
    const h = harness((_, at) => {
      if (at >= 100 && !sent) {
        sent = true;
        h.send('SIGWINCH');
        h.send('SIGCONT');
      }
      return at >= 300 ? { ok: true, detail: 'exists' } : { ok: false, detail: 'does not exist' };
    });
    assert.deepEqual(await waitUntilReady(options([file('/b')]), h.deps), { kind: 'ready' });
    assert.ok(sent);
  });
});
