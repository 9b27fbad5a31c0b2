// A long grace period must not look like a hang: one line every few seconds naming what still runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/log/logger.ts';
import { stopSidecars } from '../../src/stop/stop-sidecars.ts';
import { stopOptions } from '../helpers/config.ts';
import { FakePod } from './fake-pod.ts';

const options = stopOptions({ graceMs: 450 });

test('while a sidecar outlives its signal, a progress line names it; none once everything is gone', async () => {
  const pod = new FakePod();
  // sh -c "trap '' TERM; exec sleep 30": a sleep that ignores SIGTERM.
  const stubborn = pod.spawn('stubborn', { ignores: ['SIGTERM'] });
  const quick = pod.spawn('quick');
  const lines: string[] = [];
  const log = createLogger({ format: 'json', level: 'info', write: (line) => lines.push(line) });
  await stopSidecars(options, { procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, kill: pod.kill, now: pod.now, sleep: pod.sleep, progressEveryMs: 200 });
  const progress = lines.map((l) => JSON.parse(l) as { message: string; outcome?: string }).filter((l) => l.outcome === 'waiting');
  assert.ok(progress.length >= 1 && progress.length <= 2, lines.join(''));
  assert.match(progress[0]!.message, new RegExp(`^waiting for 1 container\\(s\\), 1 s of grace left: stubborn \\(${stubborn} sleep\\)$`));
  assert.deepEqual(pod.endOf(stubborn), { code: null, signal: 'SIGKILL' });
  assert.deepEqual(pod.endOf(quick), { code: null, signal: 'SIGTERM' });
});

test('a poll reads one stat per container until its first process is gone; progress, --no-kill and SIGKILL lines name only what still runs', async () => {
  const pod = new FakePod();
  // A shell main that ignores TERM, with 40 children: 20 exit on TERM, 20 ignore it.
  const main = pod.spawn('busy', { comm: 'bash', ignores: ['SIGTERM'] });
  const children = Array.from({ length: 40 }, (_, i) => pod.spawn('busy', { ppid: main, ...(i % 2 === 0 ? { ignores: ['SIGTERM'] } : {}) }));
  // Every read of a stat: by path, or again through a file the first look held open.
  let statReads = 0;
  const readText = pod.proc.readText.bind(pod.proc);
  pod.proc.readText = (path: string): string => {
    if (path.endsWith('/stat')) statReads++;
    return readText(path);
  };
  const readAndHold = pod.proc.readAndHold.bind(pod.proc);
  pod.proc.readAndHold = (path: string) => {
    const { text, held } = readAndHold(path);
    // cgroup files are held too; only stats count here.
    return { text, held: { ...held, reread: () => (path.endsWith('/stat') && statReads++, held.reread()) } };
  };
  let readsAtKill: number | undefined;
  const kill = (pid: number, signal: string): void => {
    if (signal === 'SIGKILL') readsAtKill ??= statReads;
    pod.kill(pid, signal);
  };
  const lines: string[] = [];
  const log = createLogger({ format: 'text', level: 'info', write: (line) => lines.push(line) });
  let readsAtSignals: number | undefined;
  pod.at(1, () => { readsAtSignals = statReads; });
  let polls = 0;
  const sleep = (ms: number): Promise<void> => {
    polls++;
    return pod.sleep(ms);
  };
  await stopSidecars(stopOptions({ graceMs: 300, noKill: true }), { procRoot: '/proc', selfPid: pod.selfPid, log, fs: pod.proc, kill, now: pod.now, sleep, progressEveryMs: 1000 });
  const stillRunning = lines.filter((l) => l.includes('not killed (--no-kill)'));
  // The main and the 20 that ignore TERM, not the 20 that exited: the poll's early stop hid nothing.
  assert.equal(stillRunning.length, 21, lines.join(''));
  for (const [i, pid] of children.entries()) assert.equal(stillRunning.some((l) => l.includes(`pid=${pid} `)), i % 2 === 0, `child ${pid}`);
  assert.equal(readsAtKill, undefined);
  // Each poll reads one stat, the main's, which still runs (a full pass read 41); besides the
  // polls, two looks at all 43 processes of the pod: the late look's scan and the last, whole one.
  const reads = statReads - readsAtSignals!;
  assert.ok(polls > 5 && reads <= polls + 2 * 43, `${reads} stat reads in ${polls} polls`);
});
