// The state of one stop while it runs: which processes of each targeted container are still
// alive, and the few operations the phases of execute() are made of (signal one process, look
// again, poll until settled). Every signal is preceded by a fresh read of the pid's stat (its
// file held open since the first look, or by path: then a changed start time means another process).
import type { Logger } from '../log/logger.ts';
import { isSignallableTarget } from '../proc/kill.ts';
import type { ProcessInfo } from '../proc/process-info.ts';
import type { HeldFiles } from '../proc/held-files.ts';
import { readStatAgain } from '../proc/scan.ts';
import { HeldLog } from './deferred-lines.ts';
import type { GroupStop } from './phases.ts';
import type { PlannedGroup, PlannedProcess, StopPlan } from './plan.ts';
import type { StopPort } from './port.ts';
import { noOutcomes, type Outcome, type StopReport } from './report.ts';
import { fieldsOf, logOutcome, logProgress } from './stop-log.ts';
import { groupReport, plannedOf, track, type Tracked } from './tracked.ts';

export { plannedOf, type Tracked };

// A poll costs one stat read per running container (refresh): a container is seen gone within
// 20 ms (with 50 ms, the 50-shell bench's exit moved by 30 ms with the side of a poll it fell on).
const firstPollMs = 2;
const maxPollMs = 20;

export interface RunOptions {
  procRoot: string;
  log: Logger;
  /** A targeted group's processes as /proc shows them now (see ExecuteContext.membersNow); fresh: no look shared with others. */
  membersNow?: ((group: PlannedGroup, fresh?: boolean) => ProcessInfo[]) | undefined;
  held?: HeldFiles | undefined;
}

export class StopRun {
  readonly tracked: Tracked[];
  readonly start: number;
  /** The stop's log: held while signals go out (HeldLog). */
  readonly log: HeldLog;
  /** Past the grace period: newcomers get SIGKILL at once. */
  killing = false;

  /** start: when the stop began (the budget's start), so every time in the report counts from it. */
  constructor(readonly plan: StopPlan, private readonly options: RunOptions, readonly port: StopPort, start = port.now(), stopOf?: ReadonlyMap<PlannedGroup, GroupStop>) {
    this.start = start;
    this.log = new HeldLog(options.log);
    this.tracked = plan.groups.map((group) => track(group, stopOf?.get(group)));
  }

  /** A container found after the first look (late look): tracked from now on like the others. */
  add(group: PlannedGroup, stop?: GroupStop, outcome?: Outcome): Tracked {
    const t = track(group, stop);
    if (outcome !== undefined) {
      t.state = 'done';
      t.outcome = outcome;
    }
    // A container seen starting at the first look is reported once, as what became of it.
    const before = this.tracked.findIndex((other) => other.group.kind === group.kind && other.group.cgroup === group.cgroup && !other.group.targeted);
    if (before === -1) this.tracked.push(t);
    else this.tracked[before] = t;
    return t;
  }

  trackedOf(groups: readonly PlannedGroup[]): Tracked[] {
    const wanted = new Set(groups);
    return this.tracked.filter((t) => wanted.has(t.group));
  }

  running(): Tracked[] {
    return this.tracked.filter((t) => t.state === 'running');
  }

  /** Whether the scanned process still runs; 'reused' when its pid now names a newer process. */
  stateNow(p: ProcessInfo): 'alive' | 'exited' | 'zombie' | 'reused' {
    const stat = readStatAgain(this.options.procRoot, p, this.port.fs, this.options.held);
    if (stat === undefined) return 'exited';
    if (stat.startTime !== p.startTime) return 'reused';
    // A zombie has exited and only waits to be reaped by its parent: it counts as gone.
    return stat.state === 'Z' || stat.state === 'X' ? 'zombie' : 'alive';
  }

  /** Settles a group with its outcome and says so. */
  settle(t: Tracked, outcome: Outcome): void {
    t.outcome = outcome;
    logOutcome(this.log, t, groupReport(t, this.start));
  }

  /** Settles, as exited, the groups found empty since the last look. */
  settleExited(among: Tracked[] = this.tracked): void {
    for (const t of among) if (t.state === 'done' && t.outcome === undefined) this.settle(t, 'exited');
  }

  /**
   * A container is stopped when it is empty, not when the processes of the first look are gone:
   * when those are, look at the container again and track what is in it now (a daemon forked on
   * SIGTERM, children forked since). Once the grace period is over, newcomers get SIGKILL at once.
   */
  adoptNewcomers(t: Tracked, fresh = false): void {
    if (this.options.membersNow === undefined || t.state !== 'running') return;
    for (const p of this.options.membersNow(t.group, fresh)) {
      if (t.alive.has(p.pid) || this.stateNow(p) !== 'alive') continue;
      t.alive.set(p.pid, p);
      this.log.debug(`${p.pid} ${p.comm} appeared in ${t.group.shortId} after the first look; tracking it`, fieldsOf(plannedOf(t, p), t.group, {}));
      if (t.killedAt !== undefined) t.appearedAfterKill += 1;
      if (this.killing && !this.send(t, plannedOf(t, p), 'KILL', ': appeared in a container being killed')) t.state = 'eperm';
    }
  }

  /**
   * Drops the processes found gone; whole: look at each, else stop at the first that still runs,
   * all a poll needs to know. 100 stat reads a poll took CPU 50 signalled shells needed for their
   * traps; the rest is looked at once the first is gone, or whole before a line names them.
   */
  refresh(t: Tracked, whole = false): void {
    for (const [pid, p] of t.alive) {
      if (this.stateNow(p) !== 'alive') t.alive.delete(pid);
      else if (!whole) break;
    }
    if (t.alive.size === 0) this.adoptNewcomers(t);
    if (t.alive.size === 0) {
      t.state = 'done';
      t.doneAt = this.port.now();
      // Said when it happens; after SIGKILL the kill's own check decides (execute.ts).
      if (t.outcome === undefined && t.killedAt === undefined) this.settle(t, 'exited');
    }
  }

  /**
   * Sends the groups' planned signals, all of them first and their log lines after: from the
   * first kill on, the processes signalled compete with jobdone for the CPU, so nothing but the
   * identity check and kill(2) runs between two signals (50 shells: issue 21). A group that
   * cannot be signalled (EPERM) is settled so.
   */
  signal(...groups: Tracked[]): void {
    const targets = groups.flatMap((t) => t.group.processes.filter((p) => p.action.kind === 'signal').map((planned) => ({ t, planned })));
    this.log.hold();
    for (const t of groups) t.signalledAt = this.port.now();
    try {
      for (const { t, planned } of targets) {
        if (planned.action.kind === 'signal' && !this.send(t, planned, planned.action.signal)) t.state = 'eperm';
      }
    } finally {
      this.log.release();
    }
    for (const t of groups) if (t.state === 'eperm') this.settle(t, 'eperm');
  }

  /** SIGKILLs what a group holds now; a group that cannot be signalled (EPERM) is settled so. */
  killAll(t: Tracked, why: string): void {
    // What the container holds now, not only what the first look saw: children forked during
    // the grace period would otherwise outlive their killed parent.
    this.adoptNewcomers(t);
    for (const p of [...t.alive.values()]) if (!this.send(t, plannedOf(t, p), 'KILL', why)) t.state = 'eperm';
    t.killedAt = this.port.now();
    if (t.state === 'eperm') this.settle(t, 'eperm');
  }

  /** Signals one process unless it is gone; false when the container cannot be signalled (EPERM). */
  send(t: Tracked, planned: PlannedProcess, signal: string, why = ''): boolean {
    const p = planned.process;
    // Checked here as well as in sendSignal, so an injected kill is held to it too; only a pid
    // above 1 is a process of the pod (a scan of a hostile --proc-root may list 0 or 1).
    if (p.pid <= 1 || !isSignallableTarget(p.pid)) {
      t.alive.delete(p.pid);
      this.log.error(`not sending SIG${signal} to pid ${p.pid}: only a pid above 1 can be a process of the pod`, fieldsOf(planned, t.group, { signal, outcome: 'refused' }));
      return true;
    }
    const state = this.stateNow(p);
    if (state !== 'alive') {
      t.alive.delete(p.pid);
      const why = state === 'reused' ? `pid ${p.pid} now belongs to another process (its start time changed)` : `already ${state}`;
      this.log.debug(`not sending SIG${signal}: ${why}`, fieldsOf(planned, t.group, { signal, outcome: state }));
      return true;
    }
    try {
      this.port.kill(p.pid, `SIG${signal}`);
      if (signal === 'KILL' && p.pid === t.main?.pid && p.startTime === t.main.startTime) t.mainKilled = true;
      // No uid here: reading it (status, /proc's largest file) for each target cost the 50-shell
      // stop 1 ms before its last signal. The EPERM line names it (the process is there to ask).
      this.log.info(`sent SIG${signal}${why}`, fieldsOf(planned, t.group, { signal }, false));
      return true;
    } catch (error) {
      return this.failedSend(t, planned, signal, error as NodeJS.ErrnoException);
    }
  }

  private failedSend(t: Tracked, planned: PlannedProcess, signal: string, error: NodeJS.ErrnoException): boolean {
    const p = planned.process;
    if (error.code === 'ESRCH') {
      t.alive.delete(p.pid);
      return true;
    }
    if (error.code === 'EPERM') {
      const uid = p.uid === undefined ? 'its uid' : `uid ${p.uid}`;
      this.log.error(
        `cannot send SIG${signal} to pid ${p.pid} (${p.comm}, ${uid}): permission denied; ` +
          `run the job container as root (which has CAP_KILL by default), or as ${uid}, ` +
          'or stop this sidecar through its shutdown endpoint. Not waiting for this container',
        fieldsOf(planned, t.group, { signal, outcome: 'eperm' }),
      );
      return false;
    }
    this.log.error(`sending SIG${signal} failed: ${error.message}`, fieldsOf(planned, t.group, { signal, outcome: 'error' }));
    return true;
  }

  /** Polls the running groups with a short, growing interval until all are settled or the deadline. */
  async pollUntilSettled(deadline: number, progressEveryMs?: number, among: readonly Tracked[] = this.tracked): Promise<void> {
    const { now } = this.port;
    let delay = firstPollMs;
    let nextProgress = progressEveryMs === undefined ? Infinity : now() + progressEveryMs;
    const running = (): Tracked[] => among.filter((t) => t.state === 'running');
    for (;;) {
      for (const t of running()) this.refresh(t);
      const remaining = deadline - now();
      if (running().length === 0 || remaining <= 0) return;
      if (now() >= nextProgress) {
        for (const t of running()) this.refresh(t, true);
        logProgress(this.log, running(), remaining);
        nextProgress += progressEveryMs!;
      }
      await this.port.sleep(Math.min(delay, remaining));
      delay = Math.min(delay * 2, maxPollMs);
    }
  }

  /**
   * A container seen empty once is not proven empty: a lineage that forks and exits faster than a
   * scan of /proc can hop past one look. Looks again, fresh, a few times; what shows up is tracked
   * (and SIGKILLed once the grace is over). True when something was found.
   */
  async foundAgain(t: Tracked, looks = 3): Promise<boolean> {
    for (let i = 0; i < looks; i++) {
      await this.port.sleep(firstPollMs);
      t.state = 'running';
      this.adoptNewcomers(t, true);
      if (t.alive.size > 0) return true;
      t.state = 'done';
    }
    return false;
  }

  report(): StopReport {
    const totals = noOutcomes();
    const groups = this.tracked.map((t) => {
      totals[t.outcome ?? 'still-running']++;
      return groupReport(t, this.start);
    });
    return { groups, totals, ms: Math.round(this.port.now() - this.start), warnings: this.plan.warnings };
  }
}
