// Helpers of the inject tests: the fixtures folder, inject run in memory as main() runs it,
// and the Kubernetes schema check of a whole stream.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { Pod, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { parseInvocation } from '../../src/config/parse.ts';
import { runInject } from '../../src/inject/run-inject.ts';

export const fixturesDir = join(import.meta.dirname, 'fixtures');

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** jobdone inject ARGS over `input` as main() runs it, with stdin, stdout and stderr in memory. */
export async function inject(args: readonly string[], input: string): Promise<Outcome> {
  const invocation = parseInvocation(['inject', ...args], {});
  assert.equal(invocation.kind, 'inject');
  let stdout = '';
  let stderr = '';
  const code = await runInject(invocation.options, {
    readFile: () => { throw new Error('no files here'); },
    readStdin: () => input,
    writeStdout: async (text) => { stdout += text; },
    writeStderr: (line) => { stderr += `${line}\n`; },
  });
  return { code, stdout, stderr };
}

const models: Record<string, new (data: never) => { validate(): void }> = {
  'batch/v1 Job': Job, 'batch/v1 CronJob': CronJob, 'v1 Pod': Pod, 'v1 Service': Service,
  'v1 ServiceAccount': ServiceAccount, 'apps/v1 Deployment': Deployment,
};

/** Every document of a stream validates against its kind's schema; returns the kinds seen. */
export function validateStream(text: string): string[] {
  const kinds: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    const value = doc.toJS() as { apiVersion?: string; kind?: string } | null;
    if (value === null) continue;
    const kind = `${value.apiVersion} ${value.kind}`;
    const Model = models[kind];
    assert.ok(Model, `no schema model for ${kind}`);
    new Model(value as never).validate();
    kinds.push(kind);
  }
  return kinds;
}
