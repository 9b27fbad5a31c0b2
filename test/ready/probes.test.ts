// The probes against real sockets, files and /proc.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { parseHttpEndpoint } from '../../src/config/endpoints.ts';
import type { ReadinessGate } from '../../src/config/gates.ts';
import { probe, processMatches } from '../../src/ready/probes.ts';
import type { ProcessInfo } from '../../src/proc/process-info.ts';

const ctx = { procRoot: '/proc', selfPid: process.pid, allowHostPid: false };

async function listen(t: TestContext, server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    (server as Server).closeAllConnections?.();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const http = (port: number, path = '/'): ReadinessGate => ({ kind: 'http', source: '--wait-http', endpoint: parseHttpEndpoint(`http://127.0.0.1:${port}${path}`, 'GET', false) });

describe('probes', () => {
  it('http: 2xx passes; 503, refused and a hung server fail with the reason, within the attempt timeout', async (t) => {
    const port = await listen(t, createServer((req, res) => {
      if (req.url === '/hang') return;
      res.statusCode = req.url === '/ok' ? 204 : 503;
      res.end();
    }));
    assert.deepEqual(await probe(http(port, '/ok'), 1000, ctx), { ok: true, detail: 'answered 204' });
    assert.deepEqual(await probe(http(port, '/no'), 1000, ctx), { ok: false, detail: 'answered 503 Service Unavailable' });
    assert.deepEqual(await probe(http(await closedPort()), 1000, ctx), { ok: false, detail: 'connection refused' });
    const started = performance.now();
    assert.deepEqual(await probe(http(port, '/hang'), 200, ctx), { ok: false, detail: 'no answer within 200 ms' });
    assert.ok(performance.now() - started < 1000);
  });

  it('tcp: a listener passes, a closed port fails', async (t) => {
    const port = await listen(t, createTcpServer((socket) => socket.destroy()));
    assert.deepEqual(await probe({ kind: 'tcp', source: '--wait-tcp', endpoint: { host: '127.0.0.1', port } }, 1000, ctx), { ok: true, detail: 'connected' });
    assert.deepEqual(await probe({ kind: 'tcp', source: '--wait-tcp', endpoint: { host: '127.0.0.1', port: await closedPort() } }, 1000, ctx), { ok: false, detail: 'connection refused' });
  });

  it('file: exists or not', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-probe-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const gate: ReadinessGate = { kind: 'file', source: '--wait-file', path: join(dir, 'ready') };
    assert.equal((await probe(gate, 1000, ctx)).ok, false);
    writeFileSync(join(dir, 'ready'), '');
    assert.equal((await probe(gate, 1000, ctx)).ok, true);
  });

  it("process: a process in jobdone's own container never counts (only other containers are sidecars)", async (t) => {
    // A child of this test, in the test's own cgroup, under a name nothing else on the machine has.
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-probe-'));
    const name = `jd-own-${process.pid}`.slice(0, 15);
    symlinkSync('/bin/sleep', join(dir, name));
    const child = spawn(join(dir, name), ['30'], { stdio: 'ignore' });
    t.after(() => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    await new Promise((resolve) => child.once('spawn', resolve));
    assert.equal(readFileSync(`/proc/${child.pid}/comm`, 'utf8'), `${name}\n`);
    // Where the tests run on the node's PID namespace, the host-PID guard would answer first.
    const result = await probe({ kind: 'process', source: '--wait-process', name }, 1000, { ...ctx, allowHostPid: true });
    assert.deepEqual(result, { ok: false, detail: 'no such process in another container' });
  });

  it('process names match comm (cut to 15), argv[0] or its basename, or the whole command line', () => {
    const p = (comm: string, cmdline: string[]): ProcessInfo => ({ pid: 9, ppid: 0, pgrp: 9, session: 9, uid: 0, state: 'S', startTime: 1, comm, cmdline, cgroup: '' });
    assert.ok(processMatches('envoy', p('envoy', ['/usr/local/bin/envoy', '-c', 'x'])));
    assert.ok(processMatches('/usr/local/bin/envoy', p('envoy', ['/usr/local/bin/envoy'])));
    assert.ok(processMatches('cloud-sql-proxy-v2', p('cloud-sql-proxy', ['/x'])));
    assert.ok(processMatches('node fake.mjs', p('node', ['node', 'fake.mjs'])));
    assert.ok(!processMatches('envoy', p('pilot-agent', ['/usr/local/bin/pilot-agent', 'proxy', 'envoy'])));
    assert.ok(!processMatches('env', p('envoy', ['envoy'])));
  });
});
