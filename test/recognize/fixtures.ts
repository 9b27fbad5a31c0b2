// Recognition cases as data: test/fixtures/recognize/<sidecar>.json, each a list of containers
// (processes main first, the pod's listening sockets) and what must be recognised, or null for a
// look-alike that must not be.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProcessInfo } from '../../src/proc/process-info.ts';
import type { ListeningSocket } from '../../src/recognize/recognize.ts';

export interface FixtureProcess { comm: string; uid?: number | null; cmdline: string[] | null }
export interface Expected {
  sidecar: string;
  role?: string;
  /** 'METHOD URL', or null for "no endpoint". */
  endpoint?: string | null;
  signal?: string;
  exitOnSignal?: number | null;
  evidence?: string;
  advice?: RegExp | string;
}
export interface Case {
  file: string;
  name: string;
  processes: FixtureProcess[];
  listening: Array<[string, number]>;
  expect: Expected | null;
}

export const fixtureDir = fileURLToPath(new URL('../fixtures/recognize/', import.meta.url));

export function loadCases(): Case[] {
  return readdirSync(fixtureDir).filter((f) => f.endsWith('.json')).sort().flatMap((file) => {
    const data = JSON.parse(readFileSync(`${fixtureDir}${file}`, 'utf8')) as { cases: Array<Omit<Case, 'file'>> };
    return data.cases.map((c) => ({ ...c, file }));
  });
}

/** A ProcessInfo as the scanner would give it; pids count up from 100, the first is the container's main. */
export function processInfos(processes: readonly FixtureProcess[]): ProcessInfo[] {
  return processes.map((p, i) => ({
    pid: 100 + i, ppid: i === 0 ? 0 : 100, pgrp: 100, session: 100, state: 'S', startTime: 1000 + i,
    comm: p.comm, uid: p.uid ?? undefined, cmdline: p.cmdline ?? undefined, cgroup: '0::/../container\n',
  }));
}

export function sockets(listening: ReadonlyArray<[string, number]>): ListeningSocket[] {
  return listening.map(([address, port], i) => ({ address, port, inode: 5000 + i }));
}
