// The environment variables Node 24 itself reads, and what jobdone does with each. jobdone is a
// Node program whose environment is the job's: a Node job image's NODE_DEBUG, NODE_V8_COVERAGE
// or NODE_COMPILE_CACHE is meant for the job, and obeyed by jobdone's own Node it printed the
// job's environment into jobdone's log or wrote files as root into the job's directories. Pure
// data and decisions; src/node-env/early.ts applies them before any other code of jobdone runs.
// The list is checked against the names in the pinned Node binary (test/node-env/variables.test.ts)
// and shown in docs/security.md.

/**
 * fresh-start: read while Node starts, before jobdone's first statement, with an effect on it:
 *   dist/jobdone executes itself again without it and gives it back to the job.
 * unused: read only by features jobdone never uses (TLS, the REPL, cluster, the test runner,
 *   module lookup on disk, warnings it never emits): no effect; taken out of jobdone's own
 *   process.env all the same, and given back to the job.
 * ignored: never applied to dist/jobdone, by how it is built; left in the environment.
 * renamed: read under another name by dist/jobdone's copy of Node (scripts/build.mjs,
 *   unreadJobVariables), so never by jobdone; left in the environment.
 */
export type NodeRead = 'fresh-start' | 'unused' | 'ignored' | 'renamed';

export interface NodeVariable {
  name: string;
  read: NodeRead;
  /** What it does to a Node program, in a few words (for docs/security.md). */
  effect: string;
}

export const nodeVariables: readonly NodeVariable[] = [
  { name: 'NODE_OPTIONS', read: 'ignored', effect: 'extra options (--require, --inspect...); the SEA is built with execArgvExtension "none"' },
  { name: 'NODE_REPL_EXTERNAL_MODULE', read: 'renamed', effect: 'a module loaded instead of the REPL; with NODE_OPTIONS off, Node exits 9 at start (nodejs/node#52905)' },
  { name: 'NODE_DEBUG', read: 'fresh-start', effect: 'debug lines of core modules on stderr (child_process printed the job\'s whole environment)' },
  { name: 'NODE_DEBUG_NATIVE', read: 'fresh-start', effect: 'debug lines of Node\'s C++ parts on stderr' },
  { name: 'NODE_V8_COVERAGE', read: 'fresh-start', effect: 'a coverage file written into that directory at exit' },
  { name: 'NODE_REDIRECT_WARNINGS', read: 'fresh-start', effect: 'warnings written into that file' },
  { name: 'NODE_USE_ENV_PROXY', read: 'fresh-start', effect: 'HTTP requests sent through HTTP_PROXY/HTTPS_PROXY' },
  { name: 'NODE_CHANNEL_FD', read: 'fresh-start', effect: 'an IPC channel to a parent opened on that fd; the variable is removed' },
  { name: 'NODE_CHANNEL_SERIALIZATION_MODE', read: 'fresh-start', effect: 'the IPC channel\'s format; removed with it' },
  { name: 'NODE_UNIQUE_ID', read: 'fresh-start', effect: 'runs as a cluster worker; the variable is removed' },
  { name: 'NODE_COMPILE_CACHE', read: 'renamed', effect: 'a compile cache written into that directory at exit' },
  { name: 'NODE_COMPILE_CACHE_PORTABLE', read: 'unused', effect: 'how the compile cache names its files' },
  { name: 'NODE_DISABLE_COMPILE_CACHE', read: 'unused', effect: 'turns the compile cache off' },
  { name: 'NODE_NO_WARNINGS', read: 'unused', effect: 'silences warnings' },
  { name: 'NODE_PENDING_DEPRECATION', read: 'unused', effect: 'more deprecation warnings' },
  { name: 'NODE_PRESERVE_SYMLINKS', read: 'unused', effect: 'module resolution keeps symlinks' },
  { name: 'NODE_PRESERVE_SYMLINKS_MAIN', read: 'unused', effect: 'the main module keeps its symlinked path' },
  { name: 'NODE_PATH', read: 'unused', effect: 'extra directories for require()' },
  { name: 'NODE_ICU_DATA', read: 'unused', effect: 'ICU data loaded from that directory (a broken one stops Node before any code runs)' },
  { name: 'NODE_EXTRA_CA_CERTS', read: 'unused', effect: 'extra trusted certificates for TLS' },
  { name: 'NODE_USE_SYSTEM_CA', read: 'unused', effect: 'the system\'s certificate store for TLS' },
  { name: 'NODE_TLS_REJECT_UNAUTHORIZED', read: 'unused', effect: '0 turns TLS certificate checks off' },
  { name: 'NODE_DISABLE_COLORS', read: 'unused', effect: 'no colors in the REPL and util.inspect' },
  { name: 'NODE_SKIP_PLATFORM_CHECK', read: 'unused', effect: 'starts on unsupported platforms' },
  { name: 'NODE_CLUSTER_SCHED_POLICY', read: 'unused', effect: 'the cluster module\'s scheduling' },
  { name: 'NODE_TEST_CONTEXT', read: 'unused', effect: 'node --test\'s child processes' },
  { name: 'NODE_TEST_WORKER_ID', read: 'unused', effect: 'node --test\'s child processes' },
  { name: 'NODE_REPL_HISTORY', read: 'unused', effect: 'the REPL\'s history file' },
  { name: 'NODE_REPL_HISTORY_SIZE', read: 'unused', effect: 'the REPL\'s history size' },
  { name: 'NODE_REPL_MODE', read: 'unused', effect: 'the REPL\'s mode' },
  { name: 'NODE_NO_READLINE', read: 'unused', effect: 'the REPL without readline' },
  { name: 'NODE_INSPECT_RESUME_ON_START', read: 'unused', effect: 'node inspect\'s start' },
  { name: 'NODE_PENDING_PIPE_INSTANCES', read: 'unused', effect: 'Windows named pipes' },
];

const byName = new Map(nodeVariables.map((variable) => [variable.name, variable]));

/** The name under which a re-executed jobdone receives the job's Node variables. */
export const stashName = 'JOBDONE_NODE_ENV_FOR_JOB';

/** The variables of env that Node reads and jobdone must not: taken out of its own, kept for the job. */
export function variablesForTheJob(env: Iterable<readonly [string, string]>): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const [name, value] of env) {
    const read = byName.get(name)?.read;
    if (read === 'fresh-start' || read === 'unused') found.push([name, value]);
  }
  return found;
}

/** Some of them took effect before jobdone's first statement: only a fresh start undoes that. */
export function needsFreshStart(variables: ReadonlyArray<readonly [string, string]>): boolean {
  return variables.some(([name]) => byName.get(name)?.read === 'fresh-start');
}

export function encodeStash(variables: ReadonlyArray<readonly [string, string]>): string {
  return JSON.stringify(variables);
}

/** Anything but a list of [name, value] string pairs is no stash of jobdone's: nothing. */
export function decodeStash(text: string): Array<[string, string]> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every((part) => typeof part === 'string'))) {
      return parsed as Array<[string, string]>;
    }
  } catch {
    // not JSON
  }
  return [];
}

/** /proc/self/environ as read: NAME=VALUE entries separated by NUL (a NAME without = is skipped). */
export function parseEnviron(raw: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const entry of raw.split('\0')) {
    const equals = entry.indexOf('=');
    if (equals > 0) entries.push([entry.slice(0, equals), entry.slice(equals + 1)]);
  }
  return entries;
}

const readText: Record<NodeRead, string> = {
  'fresh-start': 'fresh start without it',
  unused: 'unused',
  ignored: 'ignored',
  renamed: 'not read: renamed in the executable\'s Node',
};

/** The rows of docs/security.md's table (kept equal by test/node-env/variables.test.ts). */
export function nodeVariableRows(): string {
  return nodeVariables.map(({ name, read, effect }) => `| \`${name}\` | ${effect.replace(/\|/g, '\\|')} | ${readText[read]} |\n`).join('');
}
