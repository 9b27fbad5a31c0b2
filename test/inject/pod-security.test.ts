// Pod Security "restricted", implemented from the Pod Security Standards
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/, the Baseline and
// Restricted tables; no maintained npm package checks them): pods that met it before inject
// meet it after, and the init container inject adds meets it on its own, in any pod.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { fixturesDir, inject } from './harness.ts';

type Map = Record<string, unknown>;
const map = (value: unknown): Map => (typeof value === 'object' && value !== null ? value as Map : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

const allowedVolumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const baselineCapabilities = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];

/** Every violation of the restricted profile in a pod spec, one line each. */
export function restrictedViolations(spec: Map): string[] {
  const out: string[] = [];
  const pod = map(spec.securityContext);
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[key] === true) out.push(`${key}: true`);
  for (const volume of list(spec.volumes).map(map)) {
    const type = Object.keys(volume).find((key) => key !== 'name');
    if (type === undefined || !allowedVolumes.includes(type)) out.push(`volume ${String(volume.name)}: type ${type} not allowed`);
  }
  const containers = [...list(spec.containers), ...list(spec.initContainers), ...list(spec.ephemeralContainers)].map(map);
  const podSeccomp = map(pod.seccompProfile).type;
  if (podSeccomp === 'Unconfined') out.push('pod seccompProfile Unconfined');
  if (pod.runAsUser === 0) out.push('pod runAsUser 0');
  for (const container of containers) {
    const name = String(container.name);
    const context = map(container.securityContext);
    if (context.privileged === true) out.push(`${name}: privileged`);
    if (context.allowPrivilegeEscalation !== false) out.push(`${name}: allowPrivilegeEscalation is not false`);
    if ((context.runAsNonRoot ?? pod.runAsNonRoot) !== true) out.push(`${name}: runAsNonRoot is not true`);
    if (context.runAsUser === 0) out.push(`${name}: runAsUser 0`);
    const seccomp = map(context.seccompProfile).type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${name}: seccompProfile is not RuntimeDefault or Localhost`);
    const capabilities = map(context.capabilities);
    if (!list(capabilities.drop).includes('ALL')) out.push(`${name}: capabilities do not drop ALL`);
    for (const added of list(capabilities.add)) {
      if (added !== 'NET_BIND_SERVICE' || !baselineCapabilities.includes(added)) out.push(`${name}: adds capability ${String(added)}`);
    }
    for (const port of list(container.ports).map(map)) if (port.hostPort !== undefined && port.hostPort !== 0) out.push(`${name}: hostPort`);
  }
  return out;
}

const podSpecs = (text: string): Map[] => parseAllDocuments(text).map((doc) => map(doc.toJS())).filter((value) => value.kind === 'Job')
  .map((job) => map(map(map(job.spec).template).spec));

describe('Pod Security "restricted"', () => {
  it('the ingress-nginx-like admission Job met it before inject and meets it after', async () => {
    const input = readFileSync(join(fixturesDir, 'restricted', 'input.yaml'), 'utf8');
    assert.deepEqual(podSpecs(input).flatMap(restrictedViolations), []);
    const result = await inject(JSON.parse(readFileSync(join(fixturesDir, 'restricted', 'args.json'), 'utf8')) as string[], input);
    assert.equal(result.code, 0, result.stderr);
    const [spec] = podSpecs(result.stdout);
    assert.deepEqual(restrictedViolations(spec!), []);
    const init = map(list(spec!.initContainers)[0]);
    assert.equal(init.name, 'install-jobdone');
    assert.deepEqual(map(map(init.resources).requests), { cpu: '50m', memory: '64Mi' });
  });

  it('the init container alone meets every container rule, in a pod that sets nothing', async () => {
    const input = readFileSync(join(fixturesDir, 'job-init', 'input.yaml'), 'utf8');
    const result = await inject([], input);
    const [spec] = podSpecs(result.stdout);
    const initOnly = { initContainers: list(spec!.initContainers), volumes: list(spec!.volumes) };
    assert.deepEqual(restrictedViolations(initOnly), []);
    assert.equal(map(list(spec!.initContainers)[0]).resources, undefined, 'no resources where the pod declares none');
  });

  it('the checker finds what the profile forbids (it can fail)', () => {
    const bad = {
      hostPID: true,
      volumes: [{ name: 'h', hostPath: { path: '/' } }],
      containers: [{ name: 'c', securityContext: { capabilities: { add: ['SYS_ADMIN'] }, runAsUser: 0 } }],
    };
    assert.deepEqual(restrictedViolations(bad), [
      'hostPID: true', 'volume h: type hostPath not allowed', 'c: allowPrivilegeEscalation is not false', 'c: runAsNonRoot is not true',
      'c: runAsUser 0', 'c: seccompProfile is not RuntimeDefault or Localhost', 'c: capabilities do not drop ALL', 'c: adds capability SYS_ADMIN',
    ]);
  });
});
