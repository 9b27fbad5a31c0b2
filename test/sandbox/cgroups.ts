// Per-container cgroups, as a runtime makes them: one directory per container in each
// hierarchy that tells containers apart in /proc/<pid>/cgroup. On a hybrid host that is the
// v1 `pids` hierarchy and the v2 one (mounted at /sys/fs/cgroup/unified); on a pure v2 host
// only the v2 one; on a pure v1 host only `pids`.
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Top directory in every hierarchy; pods live below it as `<owner>-<seq>-<pod name>` (ownerTag). */
export const SANDBOX_CGROUP = 'jobdone-sandbox';

/** This process's PID namespace, as the kernel numbers it (the inode of /proc/self/ns/pid). */
const ownPidNamespace = (): string => /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? 'unknown';

/**
 * The owner part of this process's pod cgroup names: `ns<PID namespace>-<pid>`. The cgroup tree
 * is the machine's, but a pid means something only in its own PID namespace: a sandbox run in
 * another one (a container, scripts/fresh-machine.sh) must not take a live owner elsewhere for
 * a dead one and remove its cgroups (it did, and that pod's start failed).
 */
export function ownerTag(pid = process.pid, pidNamespace = ownPidNamespace()): string {
  return `ns${pidNamespace}-${pid}`;
}

/** The machine's own PID namespace: the kernel gives it this fixed number (PROC_PID_INIT_INO). */
const initialPidNamespace = '4026531836';

/**
 * A pod cgroup directory name left by an owner that no longer runs: one of this PID namespace
 * whose pid is gone. A name without a namespace (older code) is taken as the machine's own
 * namespace's; names of another namespace are never abandoned: their owner cannot be looked up.
 */
export function isAbandoned(podDirName: string, pidNamespace: string, pidRuns: (pid: number) => boolean): boolean {
  const match = /^(?:ns(\d+)-)?(\d+)-/.exec(podDirName);
  return match !== null && (match[1] ?? initialPidNamespace) === pidNamespace && !pidRuns(Number(match[2]));
}

export interface CgroupHierarchy {
  readonly version: 1 | 2;
  readonly mountPoint: string;
}

export function findHierarchies(): CgroupHierarchy[] {
  const found: CgroupHierarchy[] = [];
  for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const [, mountPoint, type, options] = line.split(' ');
    if (mountPoint === undefined || options === undefined) continue;
    if (type === 'cgroup2') found.push({ version: 2, mountPoint });
    if (type === 'cgroup' && options.split(',').includes('pids')) found.push({ version: 1, mountPoint });
  }
  // v1 first: on a hybrid host its line is the one that differs when a cgroup namespace is absent.
  return found.sort((a, b) => a.version - b.version);
}

/** Why no hierarchy can hold sandbox cgroups, or undefined when at least one can. */
export function cgroupSkipReason(hierarchies: readonly CgroupHierarchy[]): string | undefined {
  if (hierarchies.length === 0) return 'no cgroup v1 "pids" or cgroup v2 hierarchy is mounted';
  const problems: string[] = [];
  for (const { mountPoint } of hierarchies) {
    const top = join(mountPoint, SANDBOX_CGROUP);
    try {
      mkdirSync(top, { recursive: true });
      accessSync(join(top, 'cgroup.procs'), constants.W_OK);
      return undefined;
    } catch (error) {
      problems.push(`${top}: ${(error as Error).message}`);
    }
  }
  return `no writable cgroup hierarchy (${problems.join('; ')})`;
}

/** Creates `relative` in every hierarchy; returns the absolute directories. */
export function createCgroup(hierarchies: readonly CgroupHierarchy[], relative: string): string[] {
  return hierarchies.map(({ mountPoint }) => {
    const dir = join(mountPoint, SANDBOX_CGROUP, relative);
    mkdirSync(dir, { recursive: true });
    return dir;
  });
}

/** Host PIDs of the processes in a cgroup directory (the kernel translates to the reader's PID namespace). */
export function cgroupPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * SIGKILLs every process of a container cgroup, as a runtime does when a container's main
 * process exits in a shared PID namespace. Only PIDs the sandbox put in its own cgroup.
 */
export function killCgroup(dirs: readonly string[]): void {
  const v2KillFile = dirs.map((dir) => join(dir, 'cgroup.kill')).find((file) => existsSync(file));
  if (v2KillFile !== undefined) {
    try {
      writeFileSync(v2KillFile, '1');
      return;
    } catch {
      // fall back to signalling each PID
    }
  }
  for (const dir of dirs) {
    for (const pid of cgroupPids(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/**
 * rmdir deepest first. A cgroup stays busy until its last process is reaped, which may be
 * a moment after the process died, so EBUSY is retried until the deadline.
 */
export async function removeCgroups(dirs: readonly string[], timeoutMs = 3000): Promise<string[]> {
  const ordered = [...dirs].sort((a, b) => b.length - a.length);
  const deadline = Date.now() + timeoutMs;
  const failures: string[] = [];
  for (const dir of ordered) {
    for (;;) {
      try {
        rmdirSync(dir);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code === 'EBUSY' && Date.now() < deadline) {
          await sleep(10);
          continue;
        }
        failures.push(`rmdir ${dir}: ${code ?? String(error)} (pids left: ${cgroupPids(dir).join(',') || 'none'})`);
        break;
      }
    }
  }
  return failures;
}

/** Removes pod cgroups left by sandbox owners that no longer run (a test process killed hard). */
export function sweepAbandonedPodCgroups(hierarchies: readonly CgroupHierarchy[]): void {
  const pidNamespace = ownPidNamespace();
  for (const { mountPoint } of hierarchies) {
    const top = join(mountPoint, SANDBOX_CGROUP);
    let pods: string[];
    try {
      pods = readdirSync(top, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue;
    }
    for (const pod of pods) {
      if (!isAbandoned(pod, pidNamespace, (pid) => existsSync(`/proc/${pid}`))) continue;
      const podDir = join(top, pod);
      try {
        for (const entry of readdirSync(podDir, { withFileTypes: true })) {
          if (entry.isDirectory()) rmdirSync(join(podDir, entry.name));
        }
        rmdirSync(podDir);
      } catch {
        // still busy or raced with another sweeper: leave it
      }
    }
  }
}
