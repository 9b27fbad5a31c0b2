import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseListening, readListeningSockets } from '../../src/recognize/listening.ts';

const fixtureRoot = fileURLToPath(new URL('../fixtures/recognize', import.meta.url));

function listen(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}
const portOf = (s: Server): number => (s.address() as { port: number }).port;
const close = (servers: Server[]): Promise<unknown> => Promise.all(servers.map((s) => new Promise((r) => s.close(r))));

describe('readListeningSockets over fixtures (x86/arm64 byte order)', () => {
  it('LISTEN rows of tcp and tcp6, addresses decoded, other states and garbage skipped', () => {
    assert.deepEqual(readListeningSockets(fixtureRoot), [
      { address: '0.0.0.0', port: 15020, inode: 41001 },
      { address: '127.0.0.1', port: 15000, inode: 41002 },
      { address: '203.0.113.11', port: 8080, inode: 41004 },
      { address: '::', port: 3500, inode: 42001 },
      { address: '::1', port: 4035, inode: 42002 },
      { address: '::ffff:127.0.0.1', port: 8081, inode: 42003 },
      { address: '2001:db8::1', port: 80, inode: 42004 },
    ]);
  });

  it('a big-endian kernel prints the words unreversed', () => {
    const row = '0: 7F000001:3A98 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 7 1';
    assert.deepEqual(parseListening(row, false), [{ address: '127.0.0.1', port: 15000, inode: 7 }]);
  });

  it('no net files (a --proc-root without them): nothing, no throw', () => {
    assert.deepEqual(readListeningSockets('/nonexistent-proc-root'), []);
  });

  it('a net file linked to /dev/zero is read only up to the bound', { skip: process.platform !== 'linux' && 'linux only' }, () => {
    const root = mkdtempSync(join(tmpdir(), 'jobdone-net-'));
    try {
      mkdirSync(join(root, 'net'));
      symlinkSync('/dev/zero', join(root, 'net', 'tcp')); // and no tcp6
      assert.deepEqual(readListeningSockets(root), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('readListeningSockets on this machine\'s /proc', { skip: process.platform !== 'linux' && 'needs /proc/net/tcp' }, () => {
  it('finds a port this test listens on (IPv4 loopback), and not after it closed', async () => {
    const server = await listen('127.0.0.1');
    const port = portOf(server);
    try {
      assert.ok(readListeningSockets('/proc').some((s) => s.port === port && s.address === '127.0.0.1'));
    } finally {
      await close([server]);
    }
    assert.ok(!readListeningSockets('/proc').some((s) => s.port === port && s.address === '127.0.0.1'));
  });

  it('finds an IPv6 loopback listener', async (t) => {
    let server: Server;
    try {
      server = await listen('::1');
    } catch (error) {
      t.skip(`no IPv6 loopback here: ${(error as Error).message}`);
      return;
    }
    try {
      assert.ok(readListeningSockets('/proc').some((s) => s.port === portOf(server) && s.address === '::1'));
    } finally {
      await close([server]);
    }
  });

  it('finds the last of 200 listeners: /proc/net/tcp is longer than one read() returns', async () => {
    const servers: Server[] = [];
    try {
      for (let i = 0; i < 200; i++) servers.push(await listen('127.0.0.1'));
      const found = new Set(readListeningSockets('/proc').map((s) => s.port));
      assert.deepEqual(servers.map(portOf).filter((p) => !found.has(p)), []);
    } finally {
      await close(servers);
    }
  });
});
