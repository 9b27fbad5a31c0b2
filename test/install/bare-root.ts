// The portable bundle (dist/<arch>/bundle/jobdone, built by npm run build) in a root
// that holds nothing but /jobdone and a static busybox of the same CPU: no glibc, no /lib, as in
// a scratch or distroless/static image. jobdone runs there chrooted, as the main
// container of a sandbox pod, and must behave as dist/jobdone does: the job's
// status, death by signal, signal forwarding, stopping the blog's sidecar.
// test/install/bundle.test.ts runs it for this machine's CPU, test/arm64/bundle.test.ts for
// arm64 (under qemu-user on x64: binfmt_misc's F flag opened the emulator at registration, so
// the chrooted root needs nothing of it).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPod, type Container, type Pod } from '../sandbox/pod.ts';

export interface BareRoot {
  /** e.g. dist/arm64/bundle/jobdone */
  bundle: string;
  /** A static busybox for the bundle's CPU. */
  busybox: string;
  /** The interpreter the bundled executable asks for, e.g. /jobdone/lib/ld-linux-aarch64.so.1. */
  interpreter: string;
  skip: string | undefined;
  /** Time for the whole suite: an emulated jobdone starts in about a second instead of 60 ms. */
  timeoutMs: number;
}

const blogSidecar = ['bash', '-c', "sleep infinity; echo 'stopping now!'"];
const countdown = 'for i in 10 9 8 7 6 5 4 3 2 1; do echo "$i"; sleep 0.05; done; echo "And it is a lift off!"';

/** A hard link when /tmp and the checkout share a file system (instant), else a copy. */
function place(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

function filesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path));
    else found.push(path);
  }
  return found.sort();
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function describeBundleInBareRoot(title: string, { bundle, busybox, interpreter, skip, timeoutMs }: BareRoot): void {
  describe(title, { skip, timeout: timeoutMs }, () => {
    let root = '';

    before(() => {
      if (!existsSync(join(bundle, 'jobdone'))) throw new Error(`${bundle} is missing: run npm run build (npm test does)`);
      root = mkdtempSync(join(tmpdir(), 'jobdone-bundle-root-'));
      mkdirSync(join(root, 'jobdone', 'lib'), { recursive: true });
      for (const file of filesUnder(bundle)) place(file, join(root, 'jobdone', relative(bundle, file)));
      mkdirSync(join(root, 'bin'));
      place(busybox, join(root, 'bin', 'busybox'));
      for (const applet of ['sh', 'sleep', 'echo', 'kill']) symlinkSync('busybox', join(root, 'bin', applet));
      mkdirSync(join(root, 'proc'));
      mkdirSync(join(root, 'target'));
    });
    after(() => {
      if (root !== '') rmSync(root, { recursive: true, force: true });
    });

    /** The pod's /proc inside the root: bound in the infra's mount namespace, which every container then copies. */
    function bindProc(pod: Pod): void {
      const result = spawnSync('nsenter', ['-t', String(pod.infraHostPid), '--mount', '--', 'mount', '--bind', '/proc', join(root, 'proc')], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
    }

    function chrootedJobdone(pod: Pod, args: string[]): Promise<Container> {
      return pod.start({ name: 'main', command: ['chroot', root, '/jobdone/jobdone', ...args] });
    }

    it('the root holds nothing else, and the executable asks for /jobdone/lib only', () => {
      const rel = filesUnder(root).map((file) => relative(root, file));
      assert.deepEqual(rel.filter((file) => !file.startsWith('jobdone/')), ['bin/busybox', 'bin/echo', 'bin/kill', 'bin/sh', 'bin/sleep']);
      assert.equal(execFileSync('patchelf', ['--print-interpreter', join(root, 'jobdone', 'jobdone')]).toString().trim(), interpreter);
      assert.equal(execFileSync('patchelf', ['--print-rpath', join(root, 'jobdone', 'jobdone')]).toString().trim(), '/jobdone/lib');
      for (const needed of execFileSync('patchelf', ['--print-needed', join(root, 'jobdone', 'jobdone')]).toString().trim().split('\n')) {
        assert.ok(existsSync(join(root, 'jobdone', 'lib', needed)), `lib/${needed} is in the bundle`);
      }
    });

    it("the blog post's pod: countdown output intact, the sidecar exits 0, jobdone exits 0, PID 1 untouched", async (t) => {
      const pod = await createPod({ name: 'bundle-blog', t });
      bindProc(pod);
      const sidecar = await pod.start({ name: 'sidecar', command: blogSidecar });
      const main = await chrootedJobdone(pod, ['--', '/bin/sh', '-c', countdown]);
      assert.deepEqual(await main.exited, { code: 0, signal: null }, main.stderr.text);
      assert.equal(main.stdout.text, '10\n9\n8\n7\n6\n5\n4\n3\n2\n1\nAnd it is a lift off!\n');
      assert.deepEqual(await sidecar.exited, { code: 0, signal: null });
      assert.equal(sidecar.stdout.text, 'stopping now!\n');
      assert.match(main.stderr.text, /sent SIGTERM pid=\d+ comm=sleep/);
      assert.ok(pod.pid1Alive());
    });

    it('exit 3 and death by SIGUSR2 (140) pass through, and the sidecar is stopped in both cases', async (t) => {
      for (const [script, expected] of [['exit 3', 3], ['kill -USR2 $$', 140]] as const) {
        const pod = await createPod({ name: 'bundle-status', t });
        bindProc(pod);
        const sidecar = await pod.start({ name: 'sidecar', command: blogSidecar });
        const main = await chrootedJobdone(pod, ['--', '/bin/sh', '-c', script]);
        assert.equal((await main.exited).code, expected, main.stderr.text);
        assert.equal((await sidecar.exited).code, 0);
        assert.ok(pod.pid1Alive());
        await pod.destroy();
      }
    });

    it('a SIGTERM to jobdone reaches the job, whose status is kept', async (t) => {
      const pod = await createPod({ name: 'bundle-signal', t });
      bindProc(pod);
      const sidecar = await pod.start({ name: 'sidecar', command: blogSidecar });
      const main = await chrootedJobdone(pod, ['--', '/bin/sh', '-c', "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.1; done"]);
      await main.waitForOutput('ready', { timeoutMs: 10_000 });
      main.kill('SIGTERM');
      assert.equal((await main.exited).code, 7, main.stderr.text);
      assert.equal(main.stdout.text, 'ready\ngot TERM\n');
      assert.equal((await sidecar.exited).code, 0);
    });

    it('install from the bundle (the initContainer step) copies the executable and lib/, byte for byte', async () => {
      const result = spawnSync('chroot', [root, '/jobdone/jobdone', 'install', '/target'], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stderr, /installed the portable jobdone into \/target \(\d+ file\(s\), [\d.]+ MB\); it runs only at \/jobdone\/jobdone: mount this directory at \/jobdone/);
      const installed = filesUnder(join(root, 'target')).map((file) => relative(join(root, 'target'), file));
      assert.deepEqual(installed, filesUnder(bundle).map((file) => relative(bundle, file)));
      for (const file of installed) assert.equal(sha256(join(root, 'target', file)), sha256(join(bundle, file)), file);
    });
  });
}
