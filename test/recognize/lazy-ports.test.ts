// The stop reads the pod's listening sockets (a costly /proc/net/tcp{,6} walk) only once a
// container is recognised without them (src/stop/stop-sidecars.ts, recognizeLazily). That holds
// only while no rule decides what a container is from its ports: checked over every fixture case,
// with its sockets and with none.
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
