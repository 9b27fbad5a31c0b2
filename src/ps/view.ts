// What `jobdone ps` shows: every visible process grouped by container, with the action a run
// would take on it once its job has ended. Pure over a Pod, a StopPlan and a permission probe,
// so the grouping and the reasons are tested over fixture data.
import { visible } from '../log/visible.ts';
import type { Pod } from '../pod/pod.ts';
import type { PhasedStop } from '../stop/phases.ts';
import type { Action, NeverReason, PlannedProcess, StopPlan } from '../stop/plan.ts';

export type PsNeverReason = NeverReason | 'no-permission';

export type PsAction = Action<PsNeverReason>;

export interface PsProcess {
  pid: number;
  ppid: number;
  uid: number | null;
  comm: string;
  /** The command line joined by spaces, shortened; null when unreadable. */
  cmdline: string | null;
  action: PsAction;
}

export type PsContainerKind = 'infra' | 'own' | 'sidecar' | 'unknown' | 'host';

export interface PsContainer {
  /** Short container id (as in the run's logs); 'pid1' for the infra process. */
  id: string;
  kind: PsContainerKind;
  /** Some process in it would get a signal. */
  targeted: boolean;
  processes: PsProcess[];
  /** The --stop-order phase it would be stopped in. */
  phase?: string;
  /** What recognition takes it for, and why. */
  recognized?: { sidecar: string; display: string; evidence: string };
  /** Its shutdown call, made in its phase before any signal. */
  endpoint?: string;
}

export interface PsView {
  /** jobdone ps's own pid. */
  self: number;
  containers: PsContainer[];
  /** The stop's phases in order, with the containers each would stop. */
  phases: Array<{ name: string; containers: string[] }>;
  warnings: string[];
}

/** What kill(pid, 0) says: 'ok', 'eperm' (a real signal would fail), or 'gone'. */
export type Probe = (pid: number) => 'ok' | 'eperm' | 'gone';

export const maxCmdlineChars = 80;

export function psView(pod: Pod, plan: StopPlan, probe: Probe, phased?: PhasedStop): PsView {
  const byContainer = new Map<string, PsContainer>();
  const order: PsContainer[] = [];
  const groupFor = (id: string, kind: PsContainerKind): PsContainer => {
    const key = `${kind}:${id}`;
    let found = byContainer.get(key);
    if (found === undefined) {
      found = { id, kind, targeted: false, processes: [] };
      byContainer.set(key, found);
      order.push(found);
    }
    return found;
  };
  for (const planned of plan.processes) {
    const group = groupOf(pod, planned, groupFor);
    const entry = psProcess(planned, probe);
    if (entry.action.kind === 'signal') group.targeted = true;
    group.processes.push(entry);
  }
  const rank: Record<PsContainerKind, number> = { infra: 0, own: 1, sidecar: 2, unknown: 3, host: 4 };
  order.sort((a, b) => rank[a.kind] - rank[b.kind] || (a.processes[0]?.pid ?? 0) - (b.processes[0]?.pid ?? 0));
  for (const [group, stop] of phased?.stopOf ?? []) {
    const container = byContainer.get(`sidecar:${group.shortId}`);
    if (container === undefined || group.kind !== 'sidecar') continue;
    container.phase = stop.phase;
    if (stop.recognized) container.recognized = { sidecar: stop.recognized.sidecar, display: stop.recognized.display, evidence: stop.recognized.evidence };
    if (stop.call) container.endpoint = `${stop.call.endpoint.method} ${stop.call.endpoint.url}`;
  }
  const phases = (phased?.phases ?? []).map((phase) => ({ name: phase.name, containers: phase.groups.map((g) => (g.kind === 'job' ? 'job leftovers' : g.shortId)) }));
  return { self: pod.selfPid, containers: order, phases, warnings: plan.warnings };
}

function groupOf(pod: Pod, planned: PlannedProcess, groupFor: (id: string, kind: PsContainerKind) => PsContainer): PsContainer {
  const p = planned.process;
  if (p.pid === 1) return groupFor('pid1', 'infra');
  if (planned.role === 'kernel') return groupFor('kernel', 'host');
  const container = pod.containerOf.get(p.pid);
  if (container === undefined) return groupFor('unknown', 'unknown');
  return groupFor(container.shortId, container === pod.ownContainer ? 'own' : 'sidecar');
}

function psProcess(planned: PlannedProcess, probe: Probe): PsProcess {
  const p = planned.process;
  let action: PsAction = planned.action;
  // Only a pid jobdone would signal needs the check; kill(pid, 0) sends nothing.
  if (action.kind !== 'never' && probe(p.pid) === 'eperm') action = { kind: 'never', reason: 'no-permission' };
  return {
    pid: p.pid,
    ppid: p.ppid,
    uid: p.uid ?? null,
    comm: p.comm,
    cmdline: p.cmdline === undefined ? null : shorten(p.cmdline.join(' ')),
    action,
  };
}

/** Cut to max characters; control characters are left for the output format to show (formatPsText). */
export function shorten(text: string, max = maxCmdlineChars): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

const reasons: Record<PsNeverReason, string> = {
  pid1: "PID 1, the pod's infra: signalling it ends the pod",
  self: 'jobdone itself',
  ancestor: "jobdone's parent",
  kernel: 'a kernel thread',
  'own-container': "jobdone's own container",
  'job-running': "the job's, which still runs",
  skip: '--skip matches',
  'host-pid': 'host PID namespace visible (no --allow-host-pid)',
  'pid-namespace-unproven': '/proc may not show the whole pod (hidepid, PID 1 hidden)',
  'unknown-cgroup': 'its container is unknown (cgroup unreadable)',
  'not-only': 'not matched by --only',
  zombie: 'already exited (zombie)',
  starting: 'its container is still starting (runtime init); looked at again',
  'native-sidecar': 'a native sidecar (--native-sidecar): left to the kubelet',
  'no-permission': 'no permission to signal it (EPERM)',
};

export function describeAction(action: PsAction): string {
  switch (action.kind) {
    case 'signal': return `SIG${action.signal}`;
    case 'watch': return 'watch, SIGKILL at grace end';
    case 'never': return `never: ${reasons[action.reason]}`;
  }
}

const titles: Record<PsContainerKind, string> = {
  infra: "pod infra (PID 1)",
  own: "jobdone's own container",
  sidecar: 'sidecar container',
  unknown: 'container unknown',
  host: 'kernel threads (host PID namespace)',
};

export function formatPsText(view: PsView): string {
  const lines: string[] = [];
  const header = ['PID', 'PPID', 'UID', 'COMM', 'ACTION', 'COMMAND'];
  for (const container of view.containers) {
    const name = container.kind === 'infra' || container.kind === 'unknown' || container.kind === 'host' ? titles[container.kind] : `${titles[container.kind]} ${container.id}`;
    lines.push(visible(`${name}${verdictOf(container)}`));
    // A newline in a name forged a row, an ESC sequence reached the terminal: src/log/visible.ts.
    const rows = container.processes.map((p) => [String(p.pid), String(p.ppid), p.uid === null ? '?' : String(p.uid), visible(p.comm), describeAction(p.action), p.cmdline === null ? '?' : visible(p.cmdline)]);
    const widths = header.slice(0, 5).map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    for (const row of [header, ...rows]) {
      const cells = row.map((cell, i) => (i === 5 ? cell : i < 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)));
      lines.push(`  ${cells.join('  ')}`.trimEnd());
    }
    lines.push('');
  }
  if (view.phases.length > 0) lines.push(visible(`phases: ${view.phases.map((phase) => `${phase.name} (${phase.containers.join(', ') || 'none'})`).join(', then ')}`));
  for (const warning of view.warnings) lines.push(`warning: ${visible(warning)}`);
  return lines.join('\n').replace(/\n*$/, '\n');
}

/** ": would be stopped in phase proxies; recognised as ...; POST ... first", or why it is left alone. */
function verdictOf(container: PsContainer): string {
  if (container.kind !== 'sidecar') return '';
  if (!container.targeted) {
    const native = container.processes.some((p) => p.action.kind === 'never' && p.action.reason === 'native-sidecar');
    return native ? ': left alone (a native sidecar: the kubelet stops it)' : ': left alone';
  }
  const parts = [`: would be stopped${container.phase === undefined ? '' : ` in phase ${container.phase}`}`];
  if (container.recognized) parts.push(`recognised as ${container.recognized.display} (${shorten(container.recognized.evidence, 120)})`);
  if (container.endpoint) parts.push(`${container.endpoint} first`);
  return parts.join('; ');
}

export function formatPsJson(view: PsView): string {
  return JSON.stringify(view, null, 2) + '\n';
}
