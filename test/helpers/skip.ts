// Why tests cannot run on this machine, in one form for all of them: the reason, then
// "(to run: COMMAND)", the one command that makes them run here. npm test ends with one summary
// of every skip, grouped by that command (scripts/test-skips.mjs); the install commands are
// scripts/install-test-deps.sh, the same script .ci/run installs with. Under CI nothing may
// skip: a reason is an error there, so a broken CI machine cannot turn tests green by skipping.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { repoRoot } from './jobdone.ts';

/** The groups of scripts/install-test-deps.sh. */
export type InstallGroup = 'sandbox' | 'bundle' | 'arm64' | 'docker' | 'podman' | 'registry';

export const install = (group: InstallGroup): string => `sh scripts/install-test-deps.sh ${group}`;
/** For tests that need root and nothing else. */
export const asRoot = 'sudo npm test';

/** A node:test skip reason naming the command that makes `what` run, or undefined; throws when CI is set. */
export function cannotRun(what: string, reason: string | undefined, toRun?: string): string | undefined {
  return skipOrFail(what, reason, toRun, process.env.CI);
}

/**
 * cannotRun with CI given, so the rule can be checked on any machine. Its own function: an
 * optional `ci = process.env.CI` parameter took an explicit undefined ("not CI") for the default
 * and threw under CI.
 */
export function skipOrFail(what: string, reason: string | undefined, toRun: string | undefined, ci: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  const full = toRun === undefined ? reason : `${reason} (to run: ${toRun})`;
  if (ci) throw new Error(`CI is set but ${what} cannot run: ${full}`);
  return full;
}

export function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why the portable bundle in dir (npm run build -- --bundle, which needs patchelf) cannot be tested. */
export function bundleSkipReason(dir: string, build = 'npm run build -- --bundle'): string | undefined {
  if (existsSync(join(dir, 'jobdone'))) return undefined;
  const patchelf = onPath('patchelf');
  return cannotRun('the bundle tests', `${relative(repoRoot, dir)} is not built${patchelf ? '' : ' (the bundle needs patchelf)'}`, patchelf ? build : install('bundle'));
}
