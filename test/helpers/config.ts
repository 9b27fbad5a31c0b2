// Configuration for tests, built by the parser itself so tests get exactly what a run gets.
import assert from 'node:assert/strict';
import type { RunConfig, StopOptions } from '../../src/config/config.ts';
import { parseInvocation, UsageError } from '../../src/config/parse.ts';

/** The stop options of a run with no options set, with these overrides (e.g. a shorter grace). */
export function stopOptions(overrides: Partial<StopOptions> = {}): StopOptions {
  const invocation = parseInvocation(['ps'], {});
  assert.equal(invocation.kind, 'ps');
  return { ...(invocation as Extract<typeof invocation, { kind: 'ps' }>).config.stop, ...overrides };
}

/** The configuration of `jobdone ARGV -- true` with this environment. */
export function runConfig(argv: readonly string[], env: NodeJS.ProcessEnv = {}): RunConfig {
  const invocation = parseInvocation([...argv, '--', 'true'], env);
  assert.equal(invocation.kind, 'run');
  return (invocation as Extract<typeof invocation, { kind: 'run' }>).config;
}

/** The message of the UsageError that `jobdone ARGV -- true` must end in. */
export function usageError(argv: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    parseInvocation([...argv, '--', 'true'], env);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  assert.fail(`accepted ${argv.join(' ')}`);
}
