// The stop hands recognition the pod's listening sockets as a function, read (a costly
// /proc/net/tcp{,6} walk) only when a recognised sidecar's endpoint port must be checked: a pod
// without known sidecars never pays for it. That holds while no rule decides what a container is
// from its ports: checked over every fixture case, with its sockets and with none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recognizeContainer } from '../../src/recognize/recognize.ts';
import { loadCases, processInfos, sockets } from './fixtures.ts';

test('ports never decide whether a container is recognised, only how it is stopped', () => {
  const cases = loadCases();
  assert.ok(cases.length > 20, `${cases.length} cases`);
  for (const c of cases) {
    const processes = processInfos(c.processes);
    const withPorts = recognizeContainer(processes, sockets(c.listening));
    const without = recognizeContainer(processes, []);
    assert.equal(without?.sidecar, withPorts?.sidecar, `${c.file}: ${c.name}`);
  }
});
