// Which pod cgroups a sandbox may sweep as abandoned: only its own PID namespace's, whose owner
// pid is gone. The cgroup tree is shared by every PID namespace on the machine.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isAbandoned, ownerTag } from './cgroups.ts';

it('pod cgroups are named by PID namespace and pid; only a gone owner of this namespace is abandoned', () => {
  assert.equal(ownerTag(42, '4026531836'), 'ns4026531836-42');
  const running = (pid: number): boolean => pid === 42;
  assert.equal(isAbandoned('ns4026531836-7-5-admin-500', '4026531836', running), true, 'this namespace, owner gone');
  assert.equal(isAbandoned('ns4026531836-42-5-admin-500', '4026531836', running), false, 'this namespace, owner runs');
  assert.equal(isAbandoned('ns4026532999-7-5-admin-500', '4026531836', running), false, 'another namespace: its pid 7 says nothing here');
  assert.equal(isAbandoned('6792-5-admin-500', '4026532999', running), false, 'no namespace in the name (older code): the machine\'s own, not this one');
  assert.equal(isAbandoned('6792-5-admin-500', '4026531836', running), true, 'no namespace in the name, swept from the machine\'s own namespace when its owner is gone');
  assert.equal(isAbandoned('42-5-admin-500', '4026531836', running), false);
});
