// "Now" in the unit of /proc/<pid>/stat's start time: clock ticks since boot. /proc/uptime gives
// seconds since boot with two decimals, and a start time is in USER_HZ ticks, which Linux fixes at
// 100 per second on every architecture Node runs on; both count from boot (suspend included).
import { nodeProcFs, type ProcFs } from './proc-fs.ts';

const userHz = 100;

/** Ticks since boot now, rounded down like start times; undefined when /proc/uptime is unreadable. */
export function readUptimeTicks(procRoot: string, fs: ProcFs = nodeProcFs): number | undefined {
  try {
    const seconds = /^(\d+)\.(\d\d)\s/.exec(fs.readText(`${procRoot}/uptime`, 256));
    return seconds === null ? undefined : Number(seconds[1]) * userHz + Number(seconds[2]);
  } catch {
    return undefined;
  }
}
