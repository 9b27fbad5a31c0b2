// One HTTP request to a sidecar's admin endpoint, bounded in time, answering with the status
// only: readiness GETs and shutdown POSTs both go through here. node:http is loaded on first use
// (process.getBuiltinModule, synchronous: the SEA bundle must stay free of dynamic import()), so
// a run without endpoints never pays for it.
import type * as Http from 'node:http';
import type { HttpEndpoint } from '../config/endpoints.ts';
import { monotonicMs } from '../monotonic.ts';

export type HttpResult =
  | { ok: true; status: number; ms: number }
  /** status is set when the endpoint answered, but not 2xx. */
  | { ok: false; status?: number; error: string; ms: number };

let http: typeof Http | undefined;

export function httpRequest(endpoint: HttpEndpoint, timeoutMs: number): Promise<HttpResult> {
  http ??= process.getBuiltinModule('node:http');
  const started = monotonicMs();
  const ms = (): number => Math.round(monotonicMs() - started);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: HttpResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const request = http!.request({
      host: endpoint.host,
      port: endpoint.port,
      path: endpoint.path,
      method: endpoint.method,
      // No keep-alive pool: nothing may hold the event loop (or the sidecar's port) afterwards.
      agent: false,
      headers: { 'content-length': '0', 'user-agent': 'jobdone' },
    });
    const timer = setTimeout(() => settle({ ok: false, error: `no answer within ${timeoutMs} ms`, ms: ms() }), timeoutMs);
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      // Only the status matters; the body is dropped with the socket.
      response.resume();
      if (status >= 200 && status < 300) settle({ ok: true, status, ms: ms() });
      else settle({ ok: false, status, error: `answered ${status}${response.statusMessage ? ' ' + response.statusMessage : ''}`, ms: ms() });
    });
    request.on('error', (error: NodeJS.ErrnoException) => settle({ ok: false, error: describeError(error), ms: ms() }));
    request.end();
  });
}

/** A failed connection in a few words; TCP readiness probes use it too. */
export function describeError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ECONNRESET': return 'connection reset';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'host unreachable';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'host name not resolved';
    default: return error.code ?? error.message;
  }
}
