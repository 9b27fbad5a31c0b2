// Recognition reads a process's cmdline and status (its argv and uid) only when a rule's cheap
// test, comm from the stat the scan already read, has picked it: a container of 50 shells that
// no rule names costs no file reads at all. Checked with ProcessInfos that count those reads,
// which the scanner reads lazily the same way (src/proc/scan.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessInfo } from '../../src/proc/process-info.ts';
import { recognizeContainer } from '../../src/recognize/recognize.ts';
import { loadCases, processInfos, sockets } from './fixtures.ts';

function counted(infos: ProcessInfo[]): { infos: ProcessInfo[]; reads: () => number } {
  let reads = 0;
  const wrapped = infos.map((info) => {
    const { cmdline, uid, ...rest } = info;
    return {
      ...rest,
      get cmdline() { reads++; return cmdline; },
      get uid() { reads++; return uid; },
    } satisfies ProcessInfo;
  });
  return { infos: wrapped, reads: () => reads };
}

test('a container of processes no rule names is recognised as nothing without reading argv or uid', () => {
  const shells = processInfos(Array.from({ length: 50 }, (_, i) => ({ comm: i % 2 === 0 ? 'bash' : 'sleep', uid: 0, cmdline: ['bash', '-c', 'x'] })));
  const { infos, reads } = counted(shells);
  assert.equal(recognizeContainer(infos, () => assert.fail('the ports were read')), undefined);
  assert.equal(reads(), 0);
});

test('lazy reads change no answer: every fixture case is recognised as before', () => {
  for (const c of loadCases()) {
    const eager = recognizeContainer(processInfos(c.processes), sockets(c.listening));
    const { infos } = counted(processInfos(c.processes));
    const lazy = recognizeContainer(infos, sockets(c.listening));
    assert.deepEqual(lazy, eager, `${c.file}: ${c.name}`);
    assert.equal(lazy?.sidecar ?? null, c.expect?.sidecar ?? null, `${c.file}: ${c.name}`);
  }
});
