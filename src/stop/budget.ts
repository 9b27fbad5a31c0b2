// The stop's one budget: --grace, taken once when the stop begins and spent by each phase in
// turn, as the kubelet's killContainer spends one gracePeriod on the preStop hook, then on the
// wait for its turn, then on the runtime's stop (kubernetes/kubernetes,
// pkg/kubelet/kuberuntime/kuberuntime_container.go). Nothing else in the stop keeps a grace of its
// own: every wait ends at a time this budget gives.

/**
 * What a phase leaves for the phases after it at least, unless they say they need more: the
 * kubelet never gives a container less than minimumGracePeriodInSeconds (2 s) after its turn came.
 */
export const minimumReserveMs = 2000;

export function callTimeoutMs(leftMs: number): number {
  return Math.max(100, Math.min(2000, Math.floor(leftMs / 4)));
}

export class Budget {
  /** When SIGKILL is due for whatever is left. */
  readonly deadline: number;

  constructor(readonly start: number, readonly graceMs: number) {
    this.deadline = start + Math.max(0, graceMs);
  }

  left(now: number): number {
    return Math.max(0, this.deadline - now);
  }

  /**
   * Until when a phase may wait for its containers: the deadline for the last phase; for an
   * earlier one, the deadline less what the later phases need (at least minimumReserveMs, at most
   * half of what is left, so neither side is starved by a short --grace).
   */
  phaseEnd(now: number, laterNeedsMs: number | undefined): number {
    if (laterNeedsMs === undefined) return this.deadline;
    const left = this.left(now);
    const reserve = Math.min(Math.floor(left / 2), Math.max(minimumReserveMs, laterNeedsMs));
    return this.deadline - reserve;
  }

  /** A shutdown call may take a quarter of what is left, 2 s at most, 100 ms at least. */
  callTimeoutMs(now: number): number {
    return callTimeoutMs(this.left(now));
  }
}
