// A /proc reader written by hand instead of ps-list or tree-kill: those shell out to `ps` or
// `pgrep`, which distroless and slim job images do not have, and they do not expose the cgroup
// and start time that jobdone's decisions depend on.
import type { HeldFiles } from './held-files.ts';
import type { ProcessInfo } from './process-info.ts';
import { parseStat, type StatFields } from './parse.ts';
import { nodeProcFs, type HeldFile, type ProcFs } from './proc-fs.ts';
import { LazyProcess } from './lazy-process.ts';
import { gone, isPidName, readField, readHeld, unreadable } from './read-field.ts';

export { maxCmdlineBytes } from './lazy-process.ts';

/**
 * Every process visible under procRoot (normally '/proc'). Per process it reads the two files
 * every decision needs, stat and cgroup (comm comes from stat, not the comm file); uid (status)
 * and cmdline are read on first use (src/proc/lazy-process.ts). A process that exits during the
 * scan is left out; a file it may not read (EACCES) leaves that field undefined. With `hold`, the
 * stat and cgroup of each process stay open there while it has room (for readStatAgain and the
 * next scan), and a process whose files an earlier scan held is read through them.
 */
export function scanProcesses(procRoot: string, fs: ProcFs = nodeProcFs, hold?: HeldFiles): ProcessInfo[] {
  const processes: ProcessInfo[] = [];
  const names = fs.listDir(procRoot);
  const kernel = nodePidNamespace(procRoot, fs) ? kthreaddChildren(procRoot, fs) : undefined;
  const read = kernel === null ? readKernelThreadOrProcess : readProcess;
  // Files held for a pid /proc no longer lists name a process that is gone.
  if (hold !== undefined && hold.size > 0) {
    const listed = new Set(names);
    hold.retainOnly((pid) => listed.has(String(pid)));
  }
  for (const name of names) {
    if (!isPidName(name)) continue;
    const pid = Number(name);
    if (kernel?.has(pid) === true) continue;
    const info = read(procRoot, pid, fs, hold);
    if (info !== undefined) processes.push(info);
  }
  return processes;
}

/**
 * PID 2 is kthreadd (parent 0, PF_KTHREAD): this is the node's PID namespace, where most pids are
 * kernel threads (65 of 72 on a test VM). Only there are kernel threads visible, and the pod
 * model (src/pod/pod.ts) takes them for what they are without their cgroup.
 */
export function nodePidNamespace(procRoot: string, fs: ProcFs): boolean {
  const stat = readLeaderStat(procRoot, 2, fs);
  return stat !== undefined && stat.ppid === 0 && stat.kernelThread;
}

/**
 * kthreadd's children, in one read (CONFIG_PROC_CHILDREN; null without it): every kernel thread
 * and the helpers the kernel itself starts (modprobe, a core dump's handler). None belongs to a
 * pod or to the job's session, so a scan leaves them out unread. A pid that stops being one of
 * them after this read belongs to a process started after the job's exit: no leftover either.
 */
function kthreaddChildren(procRoot: string, fs: ProcFs): Set<number> | null {
  const text = readField(fs, `${procRoot}/2/task/2/children`);
  if (typeof text !== 'string') return null;
  const pids = new Set<number>();
  for (const word of text.split(' ')) if (isPidName(word)) pids.add(Number(word));
  return pids;
}

/**
 * In the node's PID namespace without kthreadd's children file: stat first, and a kernel thread
 * (PF_KTHREAD, which no process can set for itself) is done, its cgroup unread. Any other process
 * is read as always (cgroup, then stat again), so what proves its cgroup was read while it ran
 * still holds.
 */
function readKernelThreadOrProcess(procRoot: string, pid: number, fs: ProcFs, hold?: HeldFiles): ProcessInfo | undefined {
  const stat = readLeaderStat(procRoot, pid, fs);
  if (stat?.kernelThread !== true) return readProcess(procRoot, pid, fs, hold);
  return new LazyProcess(stat, undefined, `${procRoot}/${pid}`, fs);
}

/**
 * One process, or undefined when it does not exist (any more) or its stat cannot be read. With
 * `hold`, its cgroup and stat are read from the files an earlier look held for it, else they are
 * read by path and held while there is room.
 */
export function readProcess(procRoot: string, pid: number, fs: ProcFs = nodeProcFs, hold?: HeldFiles): ProcessInfo | undefined {
  const dir = `${procRoot}/${pid}`;
  const again = hold?.readBoth(pid);
  if (again !== undefined) {
    const stat = parseStat(again.stat);
    if (stat !== undefined && stat.pid === pid && stat.startTime === again.startTime) return processOf(procRoot, stat, again.cgroup, dir, fs);
    hold!.drop(pid);
  }
  // cgroup before stat: a process that begins to exit between the two reads shows `/` in its
  // cgroup file (v1 hierarchies), which would make it a container of its own. PF_EXITING is
  // never cleared, so a stat read afterwards that does not show it proves the cgroup was read
  // while the process still ran; one that does show it tells the pod model not to trust it.
  const read = hold?.hasRoom() === true && fs.readAndHold !== undefined ? readHeld(fs, `${dir}/cgroup`) : readField(fs, `${dir}/cgroup`);
  if (read === gone) return undefined;
  const cgroupFile = typeof read === 'object' ? read.held : undefined;
  const stat = readLeaderStat(procRoot, pid, fs, hold, cgroupFile);
  if (stat === undefined) return undefined;
  return processOf(procRoot, stat, typeof read === 'object' ? read.text : read, dir, fs);
}

function processOf(procRoot: string, stat: StatFields, cgroup: string | undefined, dir: string, fs: ProcFs): ProcessInfo {
  if (stat.state !== 'Z') return new LazyProcess(stat, cgroup, dir, fs);
  // The main thread is a zombie, but the process may live on in its other threads.
  const live = liveThreadOf(procRoot, stat, fs);
  return live === undefined ? new LazyProcess(stat, cgroup, dir, fs) : new LazyProcess(live.stat, live.cgroup, live.dir, fs, dir);
}

/**
 * /proc/<pid>/stat shows a process's main thread. When main has exited (pthread_exit) while
 * other threads run, it says Z (and PF_EXITING, and cgroup v1 paths read `/`), yet the process
 * runs and can be signalled: it was taken for a zombie and never stopped. A real zombie has no
 * thread left that is not one. Read only for a Z main thread, so it costs nothing otherwise.
 * Returns the leader's identity (pid, parent, session, start time, comm) with the state, flags
 * and cgroup of a live thread, or undefined when there is none.
 */
function liveThreadOf(procRoot: string, leader: StatFields, fs: ProcFs): { stat: StatFields; cgroup: string | undefined; dir: string } | undefined {
  const { pid } = leader;
  let tids: string[];
  try {
    tids = fs.listDir(`${procRoot}/${pid}/task`);
  } catch {
    return undefined;
  }
  for (const tid of tids) {
    if (!isPidName(tid) || Number(tid) === pid) continue;
    const dir = `${procRoot}/${pid}/task/${tid}`;
    const cgroup = readField(fs, `${dir}/cgroup`);
    const text = readField(fs, `${dir}/stat`);
    const thread = typeof text === 'string' ? parseStat(text) : undefined;
    if (cgroup === gone || thread === undefined || thread.pid !== Number(tid) || !isLiveThread(thread)) continue;
    return { stat: { ...leader, state: thread.state, exiting: thread.exiting }, cgroup, dir };
  }
  return undefined;
}

/** Pure: a thread that has not exited (nor begun to). */
export function isLiveThread(stat: Pick<StatFields, 'state' | 'exiting'>): boolean {
  return stat.state !== 'Z' && stat.state !== 'X' && !stat.exiting;
}

/**
 * The identity of a pid right now: just its stat, the cheapest re-check before a signal. A
 * process whose main thread has exited while others run reads with a live thread's state, not Z
 * (see liveThreadOf).
 */
export function readStatOnly(procRoot: string, pid: number, fs: ProcFs = nodeProcFs): StatFields | undefined {
  const stat = readLeaderStat(procRoot, pid, fs);
  return stat === undefined ? undefined : withLiveThread(procRoot, stat, fs);
}

/** A Z main thread's stat with the state of a thread that still runs, if one does. */
function withLiveThread(procRoot: string, stat: StatFields, fs: ProcFs): StatFields {
  return stat.state === 'Z' ? liveThreadOf(procRoot, stat, fs)?.stat ?? stat : stat;
}

/**
 * The stat of a process scanned before, now; undefined once it is gone. From its held file when
 * the scan kept one (it cannot show another process), else by path: then a changed start time
 * says the pid is another process's now.
 */
export function readStatAgain(procRoot: string, p: Pick<ProcessInfo, 'pid' | 'startTime'>, fs: ProcFs = nodeProcFs, held?: HeldFiles): StatFields | undefined {
  let text: string | undefined | typeof gone;
  try {
    text = held?.reread(p.pid, p.startTime);
  } catch (error) {
    text = unreadable(error);
  }
  if (text === gone) return undefined;
  // Not held, or unreadable for another reason (EACCES after a setuid exec, say): by path.
  if (text === undefined) return readStatOnly(procRoot, p.pid, fs);
  const stat = parseStat(text);
  if (stat === undefined || stat.pid !== p.pid) return readStatOnly(procRoot, p.pid, fs);
  return withLiveThread(procRoot, stat, fs);
}

/**
 * /proc/<pid>/stat as it is: the main thread's. Kept open in `hold` when it has room, with the
 * cgroup file read just before it (closed when the stat cannot be read).
 */
function readLeaderStat(procRoot: string, pid: number, fs: ProcFs, hold?: HeldFiles, cgroupFile?: HeldFile): StatFields | undefined {
  const path = `${procRoot}/${pid}/stat`;
  const read = hold?.hasRoom() === true && fs.readAndHold !== undefined ? readHeld(fs, path) : readField(fs, path);
  const text = typeof read === 'object' ? read.text : read;
  const stat = text === gone || text === undefined ? undefined : parseStat(text);
  // A stat that names another pid is not this process (only possible in a broken fixture).
  const found = stat !== undefined && stat.pid === pid ? stat : undefined;
  if (typeof read === 'object' && found !== undefined) hold?.keep(pid, found.startTime, read.held, cgroupFile);
  else {
    if (typeof read === 'object') read.held.close();
    cgroupFile?.close();
  }
  return found;
}
