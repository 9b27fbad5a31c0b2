import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shortContainerId, uniqueShortIds } from '../../src/pod/container-id.ts';

const id = 'f3c1a2b4d5e6' + '0123456789abcdef'.repeat(3) + 'abcd';

test('a runtime container id anywhere in the file, shortened to 12 like docker ps', () => {
  assert.equal(id.length, 64);
  assert.equal(shortContainerId(`0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-${id}.scope\n`), 'f3c1a2b4d5e6');
  assert.equal(shortContainerId(`12:pids:/kubepods/burstable/pod1/${id}\n1:name=systemd:/kubepods/burstable/pod1/${id}\n0::/\n`), 'f3c1a2b4d5e6');
  assert.equal(shortContainerId(`0::/../${id}\n`), 'f3c1a2b4d5e6');
});

test('otherwise the last path element, runtime prefix and .scope stripped, prefering the v2 line', () => {
  assert.equal(shortContainerId('0::/../istio-proxy\n'), 'istio-proxy');
  assert.equal(shortContainerId('0::/system.slice/ssh.service\n'), 'ssh.service');
  assert.equal(shortContainerId('0::/machine/libpod-sidecar.scope\n'), 'sidecar');
  assert.equal(shortContainerId('4:memory:/process_api/cf16c25b62345a509bdefd3a5719f162\n0::/\n'), 'cf16c25b6234');
  assert.equal(shortContainerId('1:name=systemd:/a/one\n0::/../two\n'), 'two');
});

test('a useless path gets a stable hash', () => {
  const a = shortContainerId('0::/\n');
  assert.match(a, /^cg-[0-9a-f]{8}$/);
  assert.equal(shortContainerId('0::/\n'), a);
  assert.notEqual(shortContainerId('0::/..\n'), a);
});

test('colliding short ids are made unique', () => {
  const ids = uniqueShortIds(['0::/a/x\n', '0::/b/x\n', '0::/c/y\n']);
  assert.equal(ids.get('0::/c/y\n'), 'y');
  assert.match(ids.get('0::/a/x\n') ?? '', /^x-[0-9a-f]{4}$/);
  assert.notEqual(ids.get('0::/a/x\n'), ids.get('0::/b/x\n'));
});
