// "Now" in the unit of /proc/<pid>/stat's start time: clock ticks since boot. /proc/uptime gives
// seconds since boot with two decimals, and a start time is in USER_HZ ticks, which Linux fixes at
// 100 per second on every architecture Node runs on; both count from boot (suspend included).
import { nodeProcFs, type ProcFs } from './proc-fs.ts';

const userHz = 100;

/** Ticks since boot now, rounded down like start times; undefined when /proc/uptime is unreadable. */
export function readUptimeTicks(procRoot: string, fs: ProcFs = nodeProcFs): number | undefined {
  try {
    return ticksOf(fs.readText(`${procRoot}/uptime`, 256));
  } catch {
    return undefined;
  }
}

/**
 * `12345.67 ...` -> 1234567, as /^(\d+)\.(\d\d)\s/ reads it; undefined for anything else. Plain
 * code: a regular expression is compiled on its first use, in every start.
 */
export function ticksOf(text: string): number | undefined {
  const dot = text.indexOf('.');
  if (dot < 1 || !digits(text, 0, dot) || !digits(text, dot + 1, dot + 3)) return undefined;
  const after = text.charCodeAt(dot + 3);
  if (after !== 32 && after !== 10 && after !== 9) return undefined;
  return Number(text.slice(0, dot)) * userHz + Number(text.slice(dot + 1, dot + 3));
}

function digits(text: string, from: number, to: number): boolean {
  if (to > text.length) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
