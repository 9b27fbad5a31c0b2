import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { parseHttpEndpoint } from '../../src/config/endpoints.ts';
import type { ShutdownCall } from '../../src/config/gates.ts';
import { createLogger } from '../../src/log/logger.ts';
import { httpRequest } from '../../src/http/request.ts';
import { callTimeoutMs } from '../../src/stop/budget.ts';
import { callShutdownEndpoints } from '../../src/stop/shutdown-endpoints.ts';

describe('the time a shutdown call may take', () => {
  it('a quarter of what is left of the budget, at most 2 s, at least 100 ms', () => {
    assert.equal(callTimeoutMs(10_000), 2000);
    assert.equal(callTimeoutMs(3000), 750);
    assert.equal(callTimeoutMs(0), 100);
  });
});

describe('shutdown calls against real endpoints', () => {
  it('calls all endpoints at once and logs each answer; refused, 500 and hung ones fail without stopping the others', async (t) => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/hang') return;
      res.statusCode = req.url === '/quit' ? 200 : 500;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    const port = (server.address() as AddressInfo).port;
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const call = (text: string): ShutdownCall => ({ source: '--shutdown-http', endpoint: parseHttpEndpoint(text, 'POST', false) });
    const lines: string[] = [];
    const log = createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) });
    const started = performance.now();
    const result = await callShutdownEndpoints(
      [call(`http://127.0.0.1:${port}/hang`), call(`http://127.0.0.1:${closedPort}/quit`), call(`http://127.0.0.1:${port}/fail`), call(`PUT http://127.0.0.1:${port}/quit`)],
      300,
      { request: (c, ms) => httpRequest(c.endpoint, ms), log, now: () => performance.now(), dryRun: false },
    );
    const took = performance.now() - started;
    assert.equal(result.calls, 4);
    assert.equal(result.succeeded, 1);
    assert.equal(result.owners, undefined, 'a --shutdown-http endpoint does not say which container serves it');
    assert.ok(took >= 290 && took < 1000, `took ${took} ms: calls must run in parallel and the hung one end at its timeout`);
    assert.deepEqual(seen.sort(), ['POST /fail', 'POST /hang', 'PUT /quit']);
    const text = lines.join('');
    assert.match(text, /\/hang \(--shutdown-http\) failed: no answer within 300 ms/);
    assert.match(text, new RegExp(`:${closedPort}/quit \\(--shutdown-http\\) failed: connection refused`));
    assert.match(text, /POST http:\/\/127\.0\.0\.1:\d+\/fail \(--shutdown-http\) failed: answered 500 Internal Server Error; signals will stop what it should have status=500/);
    assert.match(text, /PUT http:\/\/127\.0\.0\.1:\d+\/quit \(--shutdown-http\) answered 200 status=200 ms=\d+ outcome=called/);
  });

  it('the processes behind the preset calls that answered are the ones worth waiting for', async () => {
    const preset = (path: string, owners: string[]): ShutdownCall => ({ source: 'preset x', endpoint: parseHttpEndpoint(`http://127.0.0.1:1${path}`, 'POST', false), owners });
    const result = await callShutdownEndpoints([preset('/ok', ['pilot-agent', 'envoy']), preset('/down', ['linkerd2-proxy'])], 300, {
      request: async (c) => (c.endpoint.url.endsWith('/ok') ? { ok: true, status: 200, ms: 1 } : { ok: false, error: 'connection refused', ms: 1 }),
      log: createLogger({ format: 'text', level: 'error', write: () => {} }),
      now: () => 0,
      dryRun: false,
    });
    assert.deepEqual([...(result.owners ?? [])].sort(), ['envoy', 'pilot-agent']);
    assert.deepEqual(result.answered?.map((call) => call.endpoint.path), ['/ok']);
  });

  it('dry run: logs what it would call, calls nothing', async () => {
    const lines: string[] = [];
    const result = await callShutdownEndpoints([{ source: 'preset istio', endpoint: parseHttpEndpoint('http://127.0.0.1:15020/quitquitquit', 'POST', false) }], 300, {
      request: () => assert.fail('called during a dry run'),
      log: createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) }),
      now: () => 0,
      dryRun: true,
    });
    assert.deepEqual(result, { calls: 1, succeeded: 0, ms: 0 });
    assert.deepEqual(lines, ['jobdone: dry run: would call POST http://127.0.0.1:15020/quitquitquit (preset istio)\n']);
  });
});
