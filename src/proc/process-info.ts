/** One process as read from /proc/<pid>. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
  /** Real uid (first field of the `Uid:` line of status); undefined when status is unreadable. */
  uid: number | undefined;
  /** One-letter state from stat: R, S, D, Z, T, ... ('Z' is a zombie: exited, not yet reaped). */
  state: string;
  /** It has begun to exit (PF_EXITING; zombies too): its cgroup file no longer says where it ran. Absent means false. */
  exiting?: boolean;
  /** A kernel thread (PF_KTHREAD, which no process can set for itself). Absent means false. */
  kernelThread?: boolean;
  /** Clock ticks after boot (stat field 22); with pid it identifies a process across pid reuse. */
  startTime: number;
  /** Kernel's 15-character process name, from stat. */
  comm: string;
  /** argv; [] for kernel threads and zombies, undefined when unreadable. */
  cmdline: string[] | undefined;
  /** Raw text of /proc/<pid>/cgroup; undefined when unreadable, or unread (a kernel thread, src/proc/scan.ts). */
  cgroup: string | undefined;
}
