// Imported first by main.ts: before any other code of jobdone, its own Node stops obeying the
// job's Node variables (src/node-env/variables.ts), and the job still gets them, unchanged.
// - Read while Node started (NODE_DEBUG, NODE_V8_COVERAGE...): dist/jobdone
//   executes itself again (execve: same pid, same arguments) without them, carrying them in one
//   variable of its own. Only then does a start cost twice: a plain environment costs nothing.
// - Read later, when a feature is used (NODE_TLS_REJECT_UNAUTHORIZED...): taken out of
//   process.env here, which is where Node reads them.
// The original environment is read from /proc/self/environ: Node has already deleted
// NODE_CHANNEL_FD and NODE_UNIQUE_ID from process.env, and the job must get them back.
import { accessSync, constants, readFileSync } from 'node:fs';
import sea from 'node:sea';
import { decodeStash, encodeStash, needsFreshStart, parseEnviron, stashName, variablesForTheJob } from './variables.ts';

function originalEnvironment(): Array<[string, string]> {
  try {
    return parseEnviron(readFileSync('/proc/self/environ', 'utf8'));
  } catch {
    return Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined);
  }
}

type Execve = (file: string, args: readonly string[], env: NodeJS.ProcessEnv) => never;

function freshStartWithout(variables: ReadonlyArray<readonly [string, string]>): void {
  const execve = (process as unknown as { execve?: Execve }).execve;
  // Node 24 aborts the process when execve fails, so what can be checked is checked first: the
  // executable's path, else /proc/self/exe (the same file even when deleted since; not first,
  // because under qemu-user it is the emulator); with neither, jobdone goes on as started.
  const self = [process.execPath, '/proc/self/exe'].find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (execve === undefined || self === undefined) return;
  const env: NodeJS.ProcessEnv = { ...process.env, [stashName]: encodeStash(variables) };
  for (const [name] of variables) delete env[name];
  // Node runs its exit callbacks before execve: the coverage NODE_V8_COVERAGE started would be
  // written into the job's directory. Stopped, nothing is written (Node prints one line that it
  // got none). NODE_COMPILE_CACHE is not read by the executable's Node (scripts/build.mjs).
  // node:v8 is loaded only then: a start without these variables must not pay for it.
  if (variables.some(([name]) => name === 'NODE_V8_COVERAGE')) process.getBuiltinModule('node:v8').stopCoverage();
  execve(self, [process.argv0, ...process.argv.slice(2)], env);
}

const stash = process.env[stashName];
let forTheJob: Array<[string, string]>;
if (stash !== undefined) {
  delete process.env[stashName];
  forTheJob = decodeStash(stash);
} else {
  forTheJob = variablesForTheJob(originalEnvironment());
  if (forTheJob.length > 0 && needsFreshStart(forTheJob) && sea.isSea()) freshStartWithout(forTheJob);
}
for (const [name] of forTheJob) delete process.env[name];

/**
 * jobdone's environment with the job's Node variables given back: what the job starts with.
 * process.env itself when there are none (most runs): a copy reads every variable through
 * getenv(), and spawn() reads them all again.
 */
export function jobEnvironment(): NodeJS.ProcessEnv {
  return forTheJob.length === 0 ? process.env : { ...process.env, ...Object.fromEntries(forTheJob) };
}
