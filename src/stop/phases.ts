// Which phase each container is stopped in, and how (pure): recognition's answer (src/recognize)
// and the options make each targeted container's stop method (its shutdown endpoint, its signal,
// the grace it needs) and put it in one of the --stop-order phases. Recognition only chooses how
// and when: a container the plan leaves alone gets no call and no signal.
import type { PhaseSelector } from '../config/config.ts';
import { EndpointError, parseHttpEndpoint } from '../config/endpoints.ts';
import type { ShutdownCall } from '../config/gates.ts';
import type { ProcessInfo } from '../proc/process-info.ts';
import type { Recognized } from '../recognize/recognize.ts';
import { matches, type PlannedGroup, type PlannedProcess } from './plan.ts';

/** How one targeted container is stopped. */
export interface GroupStop {
  phase: string;
  recognized?: Recognized | undefined;
  /** Its own shutdown endpoint (a preset's, else a recognised one), called in its phase. */
  call?: ShutdownCall | undefined;
  /** The grace its project says it needs (recognition); spent from the one budget. */
  needsMs?: number | undefined;
}

export interface Phase {
  name: string;
  groups: PlannedGroup[];
  /** Calls that name no container (--shutdown-http): made in the last phase with containers, before its signals. */
  unownedCalls: ShutdownCall[];
}

export interface PhasedStop {
  phases: Phase[];
  stopOf: ReadonlyMap<PlannedGroup, GroupStop>;
  /** The groups, with recognition's signals in their actions (--signal-for still wins). */
  groups: PlannedGroup[];
}

export interface PhaseInputs {
  order: readonly PhaseSelector[];
  /** Explicit calls: presets (with owners) and --shutdown-http. */
  calls: readonly ShutdownCall[];
  signalFor: ReadonlyMap<string, string>;
  /** Recognition, or undefined for none (--no-recognize). */
  recognize: ((processes: readonly ProcessInfo[]) => Recognized | undefined) | undefined;
}

export function phasesOf(groups: readonly PlannedGroup[], inputs: PhaseInputs): PhasedStop {
  const stopOf = new Map<PlannedGroup, GroupStop>();
  const presetCalls = inputs.calls.filter((call) => call.owners !== undefined);
  const claimed = new Set<ShutdownCall>();
  const out: PlannedGroup[] = [];
  const phases: Phase[] = inputs.order.map((selector) => ({ name: selector.name, groups: [], unownedCalls: [] }));
  for (const original of groups) {
    if (!original.targeted) {
      out.push(original);
      continue;
    }
    const recognized = original.kind === 'sidecar' && inputs.recognize !== undefined ? inputs.recognize(mainFirst(original)) : undefined;
    const preset = presetCalls.find((call) => original.processes.some((p) => call.owners!.includes(p.process.comm)));
    if (preset !== undefined) claimed.add(preset);
    const call = preset ?? (recognized === undefined ? undefined : recognizedCall(recognized));
    const group = recognized === undefined ? original : withSignal(original, recognized.stop.signal, inputs.signalFor);
    // Every preset is a proxy's (Istio, Envoy, Linkerd, cloud-sql-proxy, Dapr).
    const role = recognized?.role ?? (preset === undefined ? 'sender' : 'proxy');
    const index = original.kind === 'job' ? 0 : phaseIndex(inputs.order, group, recognized, role);
    phases[index]!.groups.push(group);
    stopOf.set(group, { phase: phases[index]!.name, recognized, call, needsMs: recognized?.stop.needsMs });
    out.push(group);
  }
  // A call given by hand names no container; the known ones all belong to proxies, which stop
  // last: it goes to the last phase that has containers (with nothing recognised as a proxy, the
  // senders', where the proxy it stops then is), before that phase's signals.
  const last = [...phases].reverse().find((phase) => phase.groups.length > 0) ?? phases.at(-1)!;
  last.unownedCalls.push(...inputs.calls.filter((call) => !claimed.has(call)));
  return { phases, stopOf, groups: out };
}

/** The container's main process(es) first, as recognition expects. */
export function mainFirst(group: PlannedGroup): ProcessInfo[] {
  const inside = new Set(group.processes.map((p) => p.process.pid));
  const mains = group.processes.filter((p) => !inside.has(p.process.ppid)).map((p) => p.process);
  return [...mains, ...group.processes.map((p) => p.process).filter((p) => !mains.includes(p))];
}

/** The first phase that names it; one that none names goes with the senders' first phase (an unknown sidecar is a sender). */
function phaseIndex(order: readonly PhaseSelector[], group: PlannedGroup, recognized: Recognized | undefined, role: 'sender' | 'proxy'): number {
  const main = mainFirst(group)[0];
  const index = order.findIndex((selector) => {
    switch (selector.kind) {
      case 'all': return true;
      case 'senders': return role === 'sender';
      case 'proxies': return role === 'proxy';
      case 'pattern':
        selector.pattern.lastIndex = 0;
        return (recognized !== undefined && selector.pattern.test(recognized.sidecar)) || (main !== undefined && matches(selector.pattern, main));
    }
  });
  return index === -1 ? 0 : index;
}

/** A recognised endpoint is called only if it is a loopback URL (recognition says it listens). */
function recognizedCall(recognized: Recognized): ShutdownCall | undefined {
  const endpoint = recognized.stop.endpoint;
  if (endpoint === undefined) return undefined;
  try {
    return { endpoint: parseHttpEndpoint(`${endpoint.method} ${endpoint.url}`, 'POST', false), source: `recognised ${recognized.sidecar}` };
  } catch (error) {
    if (error instanceof EndpointError) return undefined;
    throw error;
  }
}

/** Recognition's signal for what the plan signals in this container, unless --signal-for names the comm. */
function withSignal(group: PlannedGroup, signal: string, signalFor: ReadonlyMap<string, string>): PlannedGroup {
  const processes = group.processes.map((p): PlannedProcess =>
    p.action.kind === 'signal' && !signalFor.has(p.process.comm) && p.action.signal !== signal ? { ...p, action: { kind: 'signal', signal } } : p);
  return { ...group, processes };
}

/** What the later phases need at least (the largest need among their containers), undefined when there is none after. */
export function laterNeeds(phases: readonly Phase[], index: number, stopOf: ReadonlyMap<PlannedGroup, GroupStop>): number | undefined {
  const later = phases.slice(index + 1).filter((phase) => phase.groups.length > 0 || phase.unownedCalls.length > 0);
  if (later.length === 0) return undefined;
  return Math.max(0, ...later.flatMap((phase) => phase.groups.map((group) => stopOf.get(group)?.needsMs ?? 0)));
}
