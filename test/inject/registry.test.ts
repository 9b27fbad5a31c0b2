// The registry reader's pieces over loopback and data: image references as Docker normalises
// them, the anonymous Bearer token dance public registries ask for (a registry written here
// on 127.0.0.1 that answers 401 with WWW-Authenticate, as Docker Hub and ghcr.io do), Docker
// config credentials and a credential helper program, the cache (one read per image per run).
// The real registry (Debian's docker-registry with podman-pushed images) is test/e2e/registry.test.ts.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { credentialsFor } from '../../src/inject/docker-auth.ts';
import { parseImageRef } from '../../src/inject/image-ref.ts';
import { readerFor, readImages } from '../../src/inject/images.ts';
import type { InjectOptions } from '../../src/inject/options.ts';
import { readImageCommand } from '../../src/inject/registry.ts';

describe('image references', () => {
  it('normalises as Docker does: Docker Hub, library/, latest, a registry with a port, a digest', () => {
    assert.deepEqual(parseImageRef('busybox'), { text: 'busybox', registry: 'registry-1.docker.io', authKey: 'https://index.docker.io/v1/', repository: 'library/busybox', reference: 'latest' });
    assert.equal(parseImageRef('bitnami/kubectl:1.31')!.repository, 'bitnami/kubectl');
    assert.equal(parseImageRef('docker.io/istio/proxyv2:1.24.0')!.registry, 'registry-1.docker.io');
    const local = parseImageRef('127.0.0.1:5000/team/app:2')!;
    assert.deepEqual([local.registry, local.repository, local.reference], ['127.0.0.1:5000', 'team/app', '2']);
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.equal(parseImageRef(`ghcr.io/o/r@${digest}`)!.reference, digest);
    assert.equal(parseImageRef('localhost/app')!.registry, 'localhost');
    for (const bad of ['', 'UPPER/case', 'a b', 'x@sha256:zz']) assert.equal(parseImageRef(bad), undefined, bad);
  });
});

interface Seen { path: string; authorization: string | undefined }

/** A registry that, like Docker Hub, wants an anonymous token from its realm before it answers. */
async function tokenRegistry(seen: Seen[]): Promise<{ address: string; close: () => void }> {
  const config = { config: { Entrypoint: ['/bin/app'], Cmd: ['--flag'] } };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const { url = '', headers } = request;
    seen.push({ path: url, authorization: headers.authorization });
    const json = (status: number, body: unknown, extra: Record<string, string> = {}): void => {
      response.writeHead(status, { 'content-type': 'application/json', ...extra });
      response.end(JSON.stringify(body));
    };
    if (url.startsWith('/token?')) {
      const query = new URL(url, 'http://x').searchParams;
      json(200, { token: `tok-${query.get('service')}-${query.get('scope')}` });
      return;
    }
    if (headers.authorization !== 'Bearer tok-reg.test-repository:org/app:pull') {
      json(401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'www-authenticate': `Bearer realm="http://${address}/token",service="reg.test",scope="repository:org/app:pull"` });
      return;
    }
    if (url === '/v2/org/app/manifests/1') json(200, { manifests: [{ digest: 'sha256:arm', platform: { os: 'linux', architecture: 'arm64' } }, { digest: 'sha256:amd', platform: { os: 'linux', architecture: 'amd64' } }] });
    else if (url === '/v2/org/app/manifests/sha256:amd') json(200, { config: { digest: 'sha256:cfg' } });
    else if (url === '/v2/org/app/blobs/sha256:cfg') json(200, config);
    else json(404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return { address, close: () => server.close() };
}

describe('the registry reader', () => {
  it('gets an anonymous Bearer token from the realm of the 401, then the index, the platform\'s manifest, the config', async () => {
    const seen: Seen[] = [];
    const registry = await tokenRegistry(seen);
    try {
      const command = await readImageCommand(parseImageRef(`${registry.address}/org/app:1`)!, 'linux/amd64', AbortSignal.timeout(10_000), { DOCKER_CONFIG: '/nonexistent' });
      assert.deepEqual(command, { entrypoint: ['/bin/app'], cmd: ['--flag'] });
      assert.deepEqual(seen.map((one) => one.path), ['/v2/org/app/manifests/1', '/token?service=reg.test&scope=repository%3Aorg%2Fapp%3Apull', '/v2/org/app/manifests/1', '/v2/org/app/manifests/sha256:amd', '/v2/org/app/blobs/sha256:cfg']);
      assert.equal(seen[1]!.authorization, undefined, 'anonymous: no credentials sent to the token service');
      await assert.rejects(readImageCommand(parseImageRef(`${registry.address}/org/app:1`)!, 'linux/s390x', AbortSignal.timeout(10_000), {}), /no linux\/s390x image in its index \(it has linux\/arm64, linux\/amd64\)/);
      await assert.rejects(readImageCommand(parseImageRef(`${registry.address}/org/app:2`)!, 'linux/amd64', AbortSignal.timeout(10_000), {}), /answered 404 MANIFEST_UNKNOWN for manifests 2/);
    } finally {
      registry.close();
    }
  });

  it('a registry on loopback that refuses: one reason naming the image and the registry', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const reader = readerFor({ imageSource: 'registry' } as InjectOptions)!;
    const lookup = await readImages([{ image: `127.0.0.1:${port}/x:1`, platform: 'linux/amd64' }], reader, 5000);
    assert.deepEqual(lookup(`127.0.0.1:${port}/x:1`, 'linux/amd64'), { problem: `image 127.0.0.1:${port}/x:1: cannot reach its registry 127.0.0.1:${port} (ECONNREFUSED)` });
  });

  it('reads each image once per run, however many containers use it', async () => {
    let reads = 0;
    const lookup = await readImages(
      [{ image: 'a', platform: 'linux/amd64' }, { image: 'a', platform: 'linux/amd64' }, { image: 'b', platform: 'linux/amd64' }],
      async (image) => { reads++; if (image === 'b') throw new Error('gone'); return { entrypoint: [image], cmd: [] }; },
      1000,
    );
    assert.equal(reads, 2);
    assert.deepEqual(lookup('a', 'linux/amd64'), { entrypoint: ['a'], cmd: [] });
    assert.deepEqual(lookup('b', 'linux/amd64'), { problem: 'image b: gone' });
  });
});

describe('Docker config credentials', () => {
  it('auths (auth, or username and password) and a credential helper program, which wins for its registry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobdone-docker-config-'));
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({
        auths: { 'reg.one:5000': { auth: Buffer.from('u1:p:1').toString('base64') }, 'https://reg.two': { username: 'u2', password: 'p2' } },
        credHelpers: { 'reg.three': 'jobdonetest' },
      }));
      writeFileSync(join(dir, 'docker-credential-jobdonetest'), '#!/bin/sh\nread server\n[ "$1" = get ] && printf \'{"ServerURL":"%s","Username":"u3","Secret":"p3"}\' "$server"\n');
      chmodSync(join(dir, 'docker-credential-jobdonetest'), 0o755);
      const path = `${dir}:${process.env.PATH ?? ''}`;
      const saved = process.env.PATH;
      process.env.PATH = path;
      try {
        const env = { DOCKER_CONFIG: dir };
        assert.deepEqual(credentialsFor('reg.one:5000', env), { username: 'u1', password: 'p:1' });
        assert.deepEqual(credentialsFor('reg.two', env), { username: 'u2', password: 'p2' });
        assert.deepEqual(credentialsFor('reg.three', env), { username: 'u3', password: 'p3' });
        assert.equal(credentialsFor('reg.four', env), undefined);
      } finally {
        process.env.PATH = saved;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
