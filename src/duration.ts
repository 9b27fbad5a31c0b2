// Durations as Kubernetes users write them: 500ms, 10s, 2m, 1h; a bare number means seconds.
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const pattern = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = pattern.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * units[match[2] ?? 's']!;
  return Number.isFinite(ms) && ms <= 2_147_483_647 ? Math.round(ms) : undefined;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
