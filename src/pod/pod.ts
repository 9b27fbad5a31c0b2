// Who is who in the pod, from one /proc scan: pure functions, so every rule is tested over
// fixture data. Containers are told apart by /proc/<pid>/cgroup (readable by every uid),
// compared as whole files with jobdone's own, which works for cgroup v1 full paths, v2 with a
// cgroup namespace per container (own `0::/`, others `0::/../<id>`) and hybrid hosts alike.
import type { ProcessInfo } from '../proc/process-info.ts';
import { uniqueShortIds } from './container-id.ts';
import { ancestorsOf, descendantsOf, doubtAboutPidNamespace, isKthreadd, processTree, type ProcessTree } from './tree.ts';

export type Role =
  /** PID 1: the pod's infra process (pause, catatonit). Signalling it tears the pod down. */
  | 'infra'
  | 'self'
  | 'ancestor'
  /** A kernel thread: only visible in the host's PID namespace. */
  | 'kernel'
  /** The job or a leftover of it (descendant, or orphan it left behind). */
  | 'job'
  /** In jobdone's container but not started by the job. */
  | 'own-container'
  | 'sidecar'
  /** Its cgroup could not be read (or jobdone's own could not), so its container is unknown. */
  | 'unknown-cgroup';

export interface Container {
  /** The whole /proc/<pid>/cgroup text shared by its processes. */
  cgroup: string;
  /** For logs: runtime container id (12 chars), last cgroup path element, or a hash. */
  shortId: string;
  /** Sorted by pid. */
  processes: ProcessInfo[];
  /** Processes whose parent is outside the container (ppid 0 in a real pod). */
  mains: ProcessInfo[];
}

export interface Pod {
  processes: ProcessInfo[];
  byPid: ReadonlyMap<number, ProcessInfo>;
  childrenOf: ReadonlyMap<number, ProcessInfo[]>;
  selfPid: number;
  self: ProcessInfo | undefined;
  jobPid: number | undefined;
  /** jobdone's parent, grandparent, ... as far as they are visible. */
  ancestors: ReadonlySet<number>;
  ownContainer: Container | undefined;
  /** Every other container (sidecars, unless options say otherwise), ordered by main pid. */
  others: Container[];
  /** The job process and its descendants by ppid chain. */
  jobDescendants: ReadonlySet<number>;
  /** Processes the job left behind (reparented to PID 1), with their descendants. */
  jobOrphans: ReadonlySet<number>;
  roleOf: ReadonlyMap<number, Role>;
  containerOf: ReadonlyMap<number, Container>;
  /** Kernel threads are visible: this is the node's PID namespace (hostPID), not a pod's. */
  hostPidNamespace: boolean;
  /** Some process besides PID 1, kernel threads and jobdone's own container is visible. */
  sharedPidNamespace: boolean;
  /**
   * Why this cannot be shown to be a whole pod's PID namespace seen in full, or undefined when it
   * can. Without kernel threads in view a host looks like a pod; with /proc restricted (hidepid)
   * a non-root jobdone on a host sees neither, and took a same-user process in another cgroup
   * for a sidecar. PID 1 (the infra process) is always visible in a pod and /proc is not mounted
   * with hidepid there: anything else stops no sidecar.
   */
  pidNamespaceDoubt: string | undefined;
}

/** What the /proc adapter knows about the proc mount itself (src/proc/mount.ts). */
export interface ProcMountView {
  /** The hidepid= mount option when set to anything but off (0); undefined when not set or not known. */
  hidepid?: string | undefined;
}

export interface PodIdentity {
  /** jobdone's own pid. Its cgroup file defines "own container". */
  selfPid: number;
  /** The job's pid, if the job was started (it may have exited and been reaped since). */
  jobPid?: number | undefined;
  /**
   * When the job exited, in clock ticks since boot (the unit of ProcessInfo.startTime); undefined
   * while it runs or when unknown. Its pid may be reused after that, and a new process that
   * calls setsid then carries the job's pid as session id: only what started by then is a leftover.
   */
  jobExitedAt?: number | undefined;
}

export const shellComms: ReadonlySet<string> = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'busybox']);

/** The mount, or how to read it: read only when the answer matters (not in the node's PID namespace). */
export type ProcMountSource = ProcMountView | (() => ProcMountView);

export function buildPod(processes: readonly ProcessInfo[], identity: PodIdentity, mount: ProcMountSource = {}): Pod {
  const tree = processTree(processes, identity.selfPid);
  const { sorted, byPid, childrenOf, cgroupOf } = tree;
  const { selfPid, jobPid } = identity;
  const self = byPid.get(selfPid);
  const ownCgroup = self?.cgroup;

  const hostPidNamespace = isKthreadd(byPid.get(2));
  const isKernel = (p: ProcessInfo): boolean => hostPidNamespace && p.kernelThread === true;
  const ancestors = ancestorsOf(self, byPid);

  // The job pid only counts while it is still jobdone's child: once reaped, the pid may be reused.
  const job = jobPid === undefined ? undefined : byPid.get(jobPid);
  const jobDescendants = job !== undefined && job.ppid === selfPid ? descendantsOf(job.pid, childrenOf, true) : new Set<number>();
  const jobOrphans = leftoversOf(tree, identity, { self, ancestors, jobDescendants, hostPidNamespace });

  const roleFor = (p: ProcessInfo): Role => {
    if (p.pid === 1) return 'infra';
    if (p.pid === selfPid) return 'self';
    if (ancestors.has(p.pid)) return 'ancestor';
    if (isKernel(p)) return 'kernel';
    if (jobDescendants.has(p.pid) || jobOrphans.has(p.pid)) return 'job';
    const cgroup = cgroupOf(p);
    if (cgroup === undefined || ownCgroup === undefined) return 'unknown-cgroup';
    return cgroup === ownCgroup ? 'own-container' : 'sidecar';
  };
  const { roleOf, byCgroup } = rolesAndCgroups(tree, roleFor);
  const { containers, containerOf } = containersOf(byCgroup);
  const ownContainer = ownCgroup === undefined ? undefined : containers.find((c) => c.cgroup === ownCgroup);
  // A zombie is gone: a "container" of nothing but zombies (orphans whose cgroup the kernel no
  // longer tells) is none, and proves no shared PID namespace.
  const others = containers
    .filter((c) => c !== ownContainer && c.processes.some((p) => roleOf.get(p.pid) === 'sidecar' && p.state !== 'Z'))
    .sort((a, b) => (a.mains[0]?.pid ?? 0) - (b.mains[0]?.pid ?? 0));

  const sharedPidNamespace = sorted.some(
    (p) => p.pid !== 1 && !isKernel(p) && p.state !== 'Z' && (ownCgroup === undefined || cgroupOf(p) !== ownCgroup),
  );
  const pidNamespaceDoubt = doubtAboutPidNamespace(byPid, self, mount, hostPidNamespace);

  return {
    processes: sorted, byPid, childrenOf, selfPid, self, jobPid, ancestors, ownContainer, others,
    jobDescendants, jobOrphans, roleOf, containerOf, hostPidNamespace, sharedPidNamespace, pidNamespaceDoubt,
  };
}

/**
 * The one guard for everything that takes another container's process for this pod's sidecar
 * (the stop's plan, the --wait-process gate): why it cannot, or undefined when it can. With the
 * node's PID namespace in view (unless --allow-host-pid) any process on the node would do, and
 * where /proc may not show the whole pod the view is not the pod's.
 */
export function sidecarsOutOfReach(pod: Pod, allowHostPid: boolean): 'host-pid' | 'pid-namespace-unproven' | undefined {
  if (pod.hostPidNamespace && !allowHostPid) return 'host-pid';
  return pod.pidNamespaceDoubt === undefined ? undefined : 'pid-namespace-unproven';
}

/**
 * Leftovers: jobdone starts the job as a session leader (setsid), so everything the job
 * started and did not move to a session of its own carries the job's pid as session id,
 * orphans included, whoever reaped them. Started after jobdone rules out an older session
 * that happens to have the same id; started no later than the job's exit rules out a newer
 * session that took the job's pid once it was free (a leftover has its own pid, not the job's).
 */
function leftoversOf(
  tree: ProcessTree,
  identity: PodIdentity,
  known: { self: ProcessInfo | undefined; ancestors: ReadonlySet<number>; jobDescendants: ReadonlySet<number>; hostPidNamespace: boolean },
): Set<number> {
  const jobOrphans = new Set<number>();
  const { selfPid, jobPid, jobExitedAt: exitedAt } = identity;
  const { self, ancestors, jobDescendants, hostPidNamespace } = known;
  if (self === undefined || jobPid === undefined) return jobOrphans;
  for (const p of tree.sorted) {
    if (p.session !== jobPid || p.pid === selfPid || p.pid === 1 || ancestors.has(p.pid) || jobDescendants.has(p.pid)) continue;
    if (p.startTime < self.startTime || (!hostPidNamespace && tree.cgroupOf(p) !== self.cgroup)) continue;
    if (exitedAt !== undefined && p.startTime > exitedAt) continue;
    for (const pid of descendantsOf(p.pid, tree.childrenOf, true)) jobOrphans.add(pid);
  }
  return jobOrphans;
}

function rolesAndCgroups(tree: ProcessTree, roleFor: (p: ProcessInfo) => Role): { roleOf: Map<number, Role>; byCgroup: Map<string, ProcessInfo[]> } {
  const roleOf = new Map<number, Role>();
  const byCgroup = new Map<string, ProcessInfo[]>();
  for (const p of tree.sorted) {
    const role = roleFor(p);
    roleOf.set(p.pid, role);
    // PID 1 belongs to no container: its children are then the mains of theirs.
    const cgroup = tree.cgroupOf(p);
    if (cgroup !== undefined && role !== 'infra' && role !== 'kernel' && role !== 'unknown-cgroup') {
      const members = byCgroup.get(cgroup);
      if (members === undefined) byCgroup.set(cgroup, [p]);
      else members.push(p);
    }
  }
  return { roleOf, byCgroup };
}

function containersOf(byCgroup: ReadonlyMap<string, ProcessInfo[]>): { containers: Container[]; containerOf: Map<number, Container> } {
  const shortIds = uniqueShortIds([...byCgroup.keys()]);
  const containerOf = new Map<number, Container>();
  const containers: Container[] = [];
  for (const [cgroup, members] of byCgroup) {
    const inside = new Set(members.map((p) => p.pid));
    const withoutParentInside = members.filter((p) => !inside.has(p.ppid));
    // In a pod the container's own init has ppid 0; its orphans (ppid 1) are not mains.
    const topLevel = withoutParentInside.filter((p) => p.ppid === 0);
    const container: Container = {
      cgroup,
      shortId: shortIds.get(cgroup) ?? cgroup,
      processes: members,
      mains: topLevel.length > 0 ? topLevel : withoutParentInside,
    };
    containers.push(container);
    for (const p of members) containerOf.set(p.pid, container);
  }
  return { containers, containerOf };
}
