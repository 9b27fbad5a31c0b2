// --proc-root is checked once parsing is done and before anything runs: it must be a directory.
// A missing path, a regular file or a symlink loop let the job run and left every sidecar running
// ("could not stop the sidecars" only after the job). Kept out of parse.ts, which stays a pure
// function of argv and environment.
import { statSync } from 'node:fs';
import { envName, optionSpecs } from './options.ts';
import { UsageError, type Invocation } from './parse.ts';

/** Throws the UsageError main() turns into one line and exit 125. */
export function checkProcRoot(invocation: Invocation): void {
  if (invocation.kind !== 'run' && invocation.kind !== 'ps') return;
  const path = invocation.config.procRoot;
  let problem: string | undefined;
  try {
    if (!statSync(path).isDirectory()) problem = 'not a directory';
  } catch (error) {
    problem = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
  if (problem === undefined) return;
  const spec = optionSpecs.find((candidate) => candidate.name === 'proc-root')!;
  throw new UsageError(`bad path ${JSON.stringify(path)} for --proc-root (${envName(spec)}): ${problem}; give the directory where the pod's /proc is mounted`);
}
