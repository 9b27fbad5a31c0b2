// Issue 10 at the process level (source and dist/jobdone): signals, stderr and input that
// made jobdone open a debugger, hang, exit with the wrong status or run what it should refuse.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { onPath } from '../helpers/skip.ts';
import { cleanEnv, emulated, isAlive, jobdoneArgv, repoRoot, runJobdone, startJobdone, startupStretch, target } from '../helpers/jobdone.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobdone-hardening-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** TCP sockets in LISTEN state whose inode is one of this pid's open files (in its own network namespace). */
function listeningSocketsOf(pid: number): string[] {
  let inodes: Set<string>;
  try {
    inodes = new Set(readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '';
      } catch {
        return '';
      }
    }).filter((inode) => inode !== ''));
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const table of [`/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // the process has ended
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && inodes.has(fields[9]!)) found.push(`${table} ${fields[1]}`);
    }
  }
  return found;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether pid has a handler for SIGUSR1 (bit 9 of SigCgt in its status); false once it is gone. */
function catchesUsr1(pid: number): boolean {
  try {
    const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & (1n << 9n)) !== 0n;
  } catch {
    return false;
  }
}

/**
 * A network namespace as a container with NET_ADMIN can make the pod's: loopback up, 0.0.0.1
 * (the inspector host dist/jobdone was built with before issue 18) on it, ip_nonlocal_bind on for
 * IPv4 and IPv6 (any address binds), and an attempt to put ff0e::1 (the host it is built with
 * now) on it too. Held by a sleeping process; jobdone joins it through nsenter, which execs it
 * under the same pid. Ends with the test.
 */
function hostileNetwork(t: { after(fn: () => void): void }): { enter: string[]; connectable(): string[] } {
  const holder = spawn('unshare', ['--net', '--', 'sleep', '3600'], { stdio: 'ignore' });
  t.after(() => holder.kill('SIGKILL'));
  const ns = `/proc/${holder.pid}/ns/net`;
  const inside = (...command: string[]) => spawnSync('nsenter', [`--net=${ns}`, '--', ...command], { encoding: 'utf8' });
  for (let tries = 0; readlinkSync(ns) === readlinkSync('/proc/self/ns/net'); tries++) {
    if (tries > 1000) throw new Error('unshare --net did not make a network namespace');
    spawnSync('sleep', ['0.01']);
  }
  // iproute2 and procps are not on every machine (a fresh Debian minbase has neither): busybox's
  // ip, which the pod sandbox needs anyway, and the sysctl files, which /proc/sys/net shows for the
  // writer's network namespace.
  const ip = onPath('ip') ? ['ip'] : ['busybox', 'ip'];
  const sysctl = (key: string) => ['sh', '-c', `echo 1 > /proc/sys/net/${key}`];
  for (const command of [[...ip, 'link', 'set', 'lo', 'up'], [...ip, 'addr', 'add', '0.0.0.1/32', 'dev', 'lo'],
    sysctl('ipv4/ip_nonlocal_bind'), sysctl('ipv6/ip_nonlocal_bind')]) {
    const done = inside(...command);
    assert.equal(done.status, 0, `${command.join(' ')}: ${done.stderr}`);
  }
  // The kernel refuses a multicast address on an interface unless it is to be joined (autojoin);
  // either way a TCP socket cannot bind it.
  inside(...ip, '-6', 'addr', 'add', 'ff0e::1/128', 'dev', 'lo', 'autojoin');
  // Every address the inspector was or could be told to use, and the default one.
  const probe = `const net = require('node:net'); const targets = [['0.0.0.1', 9229], ['127.0.0.1', 9229], ['::1', 9229], ['ff0e::1', 9229]];
    Promise.all(targets.map(([host, port]) => new Promise((done) => { const s = net.connect({ host, port }); s.on('connect', () => { s.destroy(); done(host + ':' + port); }); s.on('error', () => done('')); })))
      .then((open) => process.stdout.write(open.filter(Boolean).join(' ')));`;
  return {
    enter: ['nsenter', `--net=${ns}`, '--'],
    connectable: () => inside(process.execPath, '-e', probe).stdout.trim().split(' ').filter((address) => address !== ''),
  };
}

const usr1Job = ['sh', '-c', 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.01; done'];

describe('issue 10: hostile pod, host and input', { timeout: 240_000 }, () => {
  // Item 1. dist/jobdone is what ships: its inspector may only bind ff0e::1 (scripts/build.mjs)
  // and src/job/early-sigusr1.ts takes SIGUSR1 from Node's inspector handler as jobdone's first
  // statement. The TypeScript source runs on the host's Node 20 with tsx, whose inspector no
  // build flag of jobdone reaches: there only the forwarding is checked, below.
  // Issue 18 item 7: the same in a network namespace where a NET_ADMIN container made 0.0.0.1
  // local and turned on ip_nonlocal_bind: with the old build (--inspect-port=0.0.0.1:9229) the
  // inspector listened there on the first run that caught Node's handler.
  it('1: 1000 SIGUSR1s at random moments in the first 200 ms never open a listening socket, even with 0.0.0.1 on loopback and ip_nonlocal_bind; SIGUSR1 reaches the job once it runs',
    { skip: target === 'src' ? 'the listener half applies to dist/jobdone (TEST_JOBDONE=dist); the source runs on the host node'
      : process.getuid?.() !== 0 ? 'needs root: makes a network namespace with 0.0.0.1 on loopback' : false }, async (t) => {
      const network = hostileNetwork(t);
      const runs = 25;
      const perRun = 40;
      const stretch = startupStretch();
      let diedBeforeNodeStarted = 0;
      let jobKilledByForwardedUsr1 = 0;
      let reachedTheJob = 0;
      let exercised = 0;
      let sent = 0;
      for (let run = 0; run < runs; run++) {
        let caughtWhenSent = false;
        const started = startJobdone(['-q', '--', ...usr1Job], { timeoutMs: 20_000, wrap: network.enter });
        const pid = started.child.pid!;
        const listeners: string[] = [];
        const moments = Array.from({ length: perRun }, () => Math.random() * 200 * stretch).sort((a, b) => a - b);
        const t0 = performance.now();
        for (const at of moments) {
          await sleep(Math.max(0, at - (performance.now() - t0)));
          if (started.child.exitCode !== null || started.child.signalCode !== null) break;
          // Natively, as the attacker of issue 18 did (polling SigCgt): a SIGUSR1 before any handler
          // is caught only kills jobdone by the default action, as it would any program, and proves
          // nothing about the inspector; the storm starts once Node's handler is in. Under qemu-user
          // the emulator catches every signal from its start, so there every moment is used.
          const caught = emulated || catchesUsr1(pid);
          if (!caught) continue;
          try {
            process.kill(pid, 'SIGUSR1');
          } catch {
            break;
          }
          caughtWhenSent = true;
          sent++;
          listeners.push(...listeningSocketsOf(pid));
        }
        await sleep(50);
        listeners.push(...listeningSocketsOf(pid));
        const open = network.connectable();
        if (listeners.length > 0 || open.length > 0) {
          started.child.kill('SIGKILL');
          await started.finished.catch(() => {});
        }
        if (caughtWhenSent) exercised++;
        assert.deepEqual(listeners, [], `run ${run}: jobdone listened`);
        assert.deepEqual(open, [], `run ${run}: something accepts connections on an inspector address`);
        let out = '';
        started.child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
        const first = await Promise.race([started.stdoutHas('ready').then(() => 'ready', () => 'ended'), started.finished.then(() => 'ended')]);
        if (first === 'ended') {
          const end = await started.finished;
          if (end.signal === 'SIGUSR1') {
            // jobdone itself killed by the default action before Node blocks SIGUSR1 (under qemu-user,
            // where every moment is used, most runs; natively the storm waits for the handler).
            diedBeforeNodeStarted++;
          } else {
            // A queued SIGUSR1 reached the job as it started, before its shell had set the trap:
            // the job died of it, and jobdone exits with the job's status, 128+10.
            assert.equal(end.code, 138, end.stderr);
            jobKilledByForwardedUsr1++;
          }
          continue;
        }
        reachedTheJob++;
        // Let the USR1s sent so far reach the job, then send one more: it must arrive.
        await sleep(100);
        const before = out.split('got-usr1').length;
        process.kill(pid, 'SIGUSR1');
        await waitUntil(() => out.split('got-usr1').length > before);
        assert.deepEqual(listeningSocketsOf(pid), []);
        started.child.kill('SIGTERM');
        const end = await started.finished;
        assert.equal(end.code, 143, end.stderr);
      }
      // Under qemu-user the phases do not stretch alike: the emulator's own start and the guest's
      // loading, before Node blocks SIGUSR1, take far more of the window than exec does natively, so
      // most runs end with jobdone killed there (20 of 25 once, 0 to 5 runs reaching the trap). What
      // emulation does not change, and is asserted for it too: no listener, ever, and a SIGUSR1 sent
      // once the job runs reaches it (the next test).
      // Every run must have sent SIGUSR1s into the window that matters (Node's handler, then
      // jobdone's): without that "no listener" would prove nothing. How many runs then reach the
      // job's trap depends on when the job's shell sets it, which load moves: counted, not asserted
      // (the next test checks forwarding once the job runs).
      assert.equal(exercised, runs, `only ${exercised} of ${runs} runs sent a SIGUSR1 while it was caught`);
      t.diagnostic(`${runs} runs, ${sent} of ${runs * perRun} SIGUSR1 moments used (the rest fell before a handler was in)${stretch > 1 ? ` over the first ${Math.round(200 * stretch)} ms (emulated start ${stretch.toFixed(1)}x slower)` : ''}: no listener; in ${reachedTheJob} runs the job trapped SIGUSR1, ${jobKilledByForwardedUsr1} job(s) died of a forwarded SIGUSR1 before setting their trap, ${diedBeforeNodeStarted} jobdone(s) died of one before Node started`);
    });

  it('1: a SIGUSR1 sent to jobdone once the job runs is forwarded to the job (source and dist)', async () => {
    const started = startJobdone(['-q', '--', ...usr1Job]);
    await started.stdoutHas('ready');
    started.child.kill('SIGUSR1');
    await started.stdoutHas('got-usr1');
    assert.deepEqual(listeningSocketsOf(started.child.pid!), []);
    started.child.kill('SIGTERM');
    assert.equal((await started.finished).code, 143);
  });

  it('3: --skip (a+)+$ or sleep.*infinity$ against a leftover with a 1 MB command line: the stop ends within grace', async () => {
    // jobdone reads the first 128 KB of a command line (src/proc/scan.ts): the first long argument
    // ends exactly there, with the 'b' that makes (a+)+$ fail after trying every split of the a's.
    const head = 'sh\0-c\0sleep 30; :\0x\0'.length;
    const runs = ['a'.repeat(128 * 1024 - head - 1) + 'b', ...Array.from({ length: 7 }, () => 'a'.repeat(120_000) + 'b')];
    const sleeps = Array.from({ length: 8 }, () => Array.from({ length: 20_000 }, () => 'sleep').join(' '));
    for (const [pattern, args] of [['(a+)+$', runs], ['sleep.*infinity$', sleeps]] as const) {
      const result = await runJobdone(['--grace', '20s', '--skip', pattern, '--', 'sh', '-c', '"$@" & echo $!; sleep 0.2; exit 0', 'job', 'sh', '-c', 'sleep 30; :', 'x', ...args], { timeoutMs: 60_000 });
      assert.equal(result.code, 0, result.stderr.slice(0, 2000));
      assert.match(result.stderr, /job leftovers \S+ exited/, 'the leftovers ended on SIGTERM, inside the grace period');
      const leftover = Number(result.stdout.toString().trim());
      assert.equal(isAlive(leftover), false);
    }
  });

  it('8: a --proc-root that is missing: exit 125, one line, the job never runs', async (t) => {
    const dir = tempDir(t);
    const marker = join(dir, 'ran');
    const result = await runJobdone(['--proc-root', join(dir, 'nowhere'), '--', 'touch', marker]);
    assert.equal(result.code, 125);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /--proc-root/);
    assert.equal(existsSync(marker), false);
  });

  it('9: a FIFO as --termination-log never blocks, after a usage error or after a run', async (t) => {
    const dir = tempDir(t);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const bad = await runJobdone(['--grace', 'soon', '--termination-log', fifo, '--', 'true'], { timeoutMs: 20_000 });
    assert.equal(bad.code, 125);
    const ok = await runJobdone(['--termination-log', fifo, '--', 'sh', '-c', 'exit 3'], { timeoutMs: 20_000 });
    assert.equal(ok.code, 3);
    assert.match(ok.stderr, /cannot write the termination message/);
  });

  it("10: stderr's reader gone (EPIPE): the exit status is the job's and a TERM-ignoring leftover is still SIGKILLed", async () => {
    const [file, ...pre] = jobdoneArgv();
    const child = spawn(file!, [...pre, '--grace', '1s', '--', 'sh', '-c', '(trap "" TERM; exec sleep 30) & echo $!; sleep 0.5; exit 7'], {
      env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Nobody reads stderr from the start: jobdone's first log line meets a closed pipe.
    child.stderr!.destroy();
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
    const leftover = Number(out.trim());
    assert.ok(leftover > 1, out);
    const leftoverAlive = isAlive(leftover);
    if (leftoverAlive) process.kill(leftover, 'SIGKILL');
    assert.equal(code, 7);
    assert.equal(leftoverAlive, false, 'the TERM-ignoring leftover was not SIGKILLed');
  });

  it("11: jobdone -- '' exits 125 with one line and runs nothing", async () => {
    const result = await runJobdone(['--', '']);
    assert.equal(result.code, 125);
    assert.match(result.stderr, /^jobdone: empty command/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  // Item 12: Node itself reopens a closed fd 0-2 on /dev/null before any of jobdone's code runs
  // (PlatformInit), so jobdone cannot tell a closed stdout from /dev/null and the job inherits
  // /dev/null: its writes succeed where without jobdone they fail with EBADF. Documented in the
  // docs/limitations.md; this test pins the behaviour it describes.
  it('12: a stdout closed when jobdone starts is /dev/null for the job (documented limitation)', async () => {
    const [file, ...pre] = jobdoneArgv();
    const quoted = [file!, ...pre].map((arg) => `'${arg}'`).join(' ');
    const job = `sh -c 'echo hi; echo "rc=$?" >&2'`;
    const without = spawnSync('sh', ['-c', `${job} >&-`], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    assert.match(without.stderr.toString(), /rc=[1-9]/, 'without jobdone the write fails (EBADF)');
    const result = spawnSync('sh', ['-c', `${quoted} -q -- ${job} >&-`], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    assert.match(result.stderr.toString(), /rc=0/, 'with jobdone it goes to /dev/null, as the README says');
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until) throw new Error('condition not met in time');
    await sleep(10);
  }
}
