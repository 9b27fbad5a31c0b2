// End to end with Docker, as a user on a laptop would try it: the README's recipes ("Try it with
// Docker Compose", "Try it with plain `docker run`") read from the README and run line by line
// against a dockerd of this run's own, whose local bases carry the public names the files use.
// Root, dockerd (docker.io) and docker-compose are needed; CI must not skip (dockerSkipReason
// throws there). `docker compose` (v2) runs where the plugin is installed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { repoRoot } from '../helpers/jobdone.ts';
import { DockerRun, dockerSkipReason, run, type CommandResult } from './docker.ts';

const skip = dockerSkipReason();
const countdownOutput = '10\n9\n8\n7\n6\n5\n4\n3\n2\n1\nAnd it is a lift off!\n';
const demoContainers = ['jobdone-demo-job', 'jobdone-demo-sidecar', 'jobdone-demo-pause'];

/** The code blocks of a README section (from its heading to the next heading of any level). */
function readmeBlocks(heading: string): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  assert.notEqual(start, -1, `README has no section ${heading}`);
  const rest = readme.slice(start + heading.length + 2);
  const section = rest.slice(0, rest.search(/\n#{1,6} /) === -1 ? undefined : rest.search(/\n#{1,6} /));
  return [...section.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

interface Step extends CommandResult {
  line: string;
}

/**
 * Runs a recipe as a user types it: one shell per line, in the directory the `cd` lines chose,
 * comments dropped. `onStep` may look at the pod between two lines.
 */
async function runRecipe(docker: DockerRun, block: string, options: { rewrite?: (line: string) => string; onStep?: (step: Step) => Promise<void> } = {}): Promise<Step[]> {
  let cwd = repoRoot;
  const steps: Step[] = [];
  for (const raw of block.split('\n')) {
    const line = (options.rewrite ?? ((text: string) => text))(raw.replace(/\s+#\s.*$/, '').trim());
    if (line === '') continue;
    const cd = /^cd (\S+)$/.exec(line);
    if (cd !== null) {
      cwd = join(cwd, cd[1]!);
      continue;
    }
    const result = await run('sh', ['-c', line], { env: docker.env, cwd, timeoutMs: /\bbuild\b/.test(line) ? 300_000 : 60_000 });
    const step = { line, ...result };
    steps.push(step);
    await options.onStep?.(step);
  }
  return steps;
}

/**
 * A container's log, one list per stream. Their order across streams is not kept: Docker stamps
 * each stream's lines as it reads them, so a sidecar's "stopping now!" (stdout) came before
 * bash's "Terminated" (stderr) in one run of twenty, though bash wrote it first.
 */
async function containerLogs(docker: DockerRun, container: string): Promise<{ stdout: string[]; stderr: string[] }> {
  const logs = await docker.docker(['logs', container]);
  return { stdout: logs.stdout.split('\n').filter(Boolean), stderr: logs.stderr.split('\n').filter(Boolean) };
}

/** Whether `merged` is `a` and `b` interleaved, each in its own order: what one can say of two streams' lines. */
function isInterleaving(merged: readonly string[], a: readonly string[], b: readonly string[]): boolean {
  if (merged.length !== a.length + b.length) return false;
  // can[i][j]: merged's first i+j lines are a's first i and b's first j, interleaved.
  const can = Array.from({ length: a.length + 1 }, () => new Array<boolean>(b.length + 1).fill(false));
  can[0]![0] = true;
  for (let i = 0; i <= a.length; i++) {
    for (let j = 0; j <= b.length; j++) {
      const line = merged[i + j - 1];
      if (i > 0 && can[i - 1]![j] && a[i - 1] === line) can[i]![j] = true;
      if (j > 0 && can[i]![j - 1] && b[j - 1] === line) can[i]![j] = true;
    }
  }
  return can[a.length]![b.length]!;
}

/** A log line's message, without what varies from run to run (pids, ids, times). */
function shape(line: string): string {
  return line.replace(/\b[0-9a-f]{12}\b/g, '<id>').replace(/\d+/g, 'N');
}

const stdoutOf = (steps: Step[], pattern: RegExp): string[] => steps.filter((step) => pattern.test(step.line)).map((step) => step.stdout.trim());

test('isInterleaving: each stream keeps its own order, nothing added or lost', () => {
  assert.equal(isInterleaving(['a', 'x', 'b'], ['a', 'b'], ['x']), true);
  assert.equal(isInterleaving(['x', 'a', 'b'], ['a', 'b'], ['x']), true);
  assert.equal(isInterleaving(['b', 'a', 'x'], ['a', 'b'], ['x']), false);
  assert.equal(isInterleaving(['a', 'b'], ['a', 'b'], ['x']), false);
  assert.equal(isInterleaving(['a', 'b', 'x', 'y'], ['a', 'b'], ['x']), false);
});

describe('end to end with docker: the README recipes', { skip, timeout: 600_000 }, () => {
  const docker = skip === undefined ? new DockerRun() : undefined;
  const composeBlock = skip === undefined ? readmeBlocks('### Try it with Docker Compose') : [];

  before(async () => {
    await docker!.start();
    await docker!.importBases();
  }, { timeout: 300_000 });
  after(async () => {
    process.stderr.write(`docker e2e times (ms): ${JSON.stringify(Object.fromEntries(Object.entries(docker?.timings ?? {}).map(([key, ms]) => [key, Math.round(ms)])))}\n`);
    await docker?.cleanup();
  }, { timeout: 120_000 });

  async function composeRecipe(rewrite: (line: string) => string): Promise<void> {
    type Logs = { stdout: string[]; stderr: string[] };
    const seen: { jobLogs: Logs[]; sidecarLogs: Logs[]; sidecarWaits: string[] } = { jobLogs: [], sidecarLogs: [], sidecarWaits: [] };
    const steps = await runRecipe(docker!, composeBlock[0]!, {
      rewrite,
      onStep: async (step) => {
        // After each `docker wait` of the job: how the sidecar ended, and both logs.
        if (!/^docker wait jobdone-demo-job$/.test(step.line)) return;
        seen.sidecarWaits.push((await docker!.dockerOk(['wait', 'jobdone-demo-sidecar'], 30_000)).trim());
        seen.jobLogs.push(await containerLogs(docker!, 'jobdone-demo-job'));
        seen.sidecarLogs.push(await containerLogs(docker!, 'jobdone-demo-sidecar'));
      },
    }).finally(() => run('sh', ['-c', `${rewrite('docker compose')} down --timeout 0`], { env: docker!.env, cwd: join(repoRoot, 'examples', 'compose') }));
    for (const step of steps) assert.equal(step.code, 0, `${step.line}: ${step.stderr}`);
    assert.deepEqual(stdoutOf(steps, /^docker wait jobdone-demo-job$/), ['0', '3'], 'the job exits 0, then 3 with COUNTDOWN_EXIT=3');
    assert.deepEqual(stdoutOf(steps, /^docker wait jobdone-demo-sidecar$/), ['0']);
    assert.deepEqual(seen.sidecarWaits, ['0', '0'], 'the sidecar exits by itself with 0 in both runs');
    for (const [index, logs] of seen.jobLogs.entries()) {
      const status = index === 0 ? 0 : 3;
      const lines = [...logs.stdout, ...logs.stderr];
      assert.equal(lines.filter((line) => !line.startsWith('jobdone:')).join('\n') + '\n', countdownOutput);
      // Exactly one jobdone ran: its last line once, and nothing of a second one.
      assert.equal(lines.filter((line) => line.startsWith('jobdone: done:')).length, 1, lines.join('\n'));
      assert.match(lines.join('\n'), new RegExp(`^jobdone: done: job exited with code ${status}; 1 container\\(s\\) stopped in \\d+ ms \\(1 exited\\) exit=${status} ms=\\d+$`, 'm'));
      assert.ok(!lines.some((line) => /shareProcessNamespace|the job is jobdone itself/.test(line)), lines.join('\n'));
    }
    const sidecarEnd = { stdout: ['stopping now!'], stderr: ['Terminated'] };
    assert.deepEqual(seen.sidecarLogs, [sidecarEnd, sidecarEnd]);
    // `down` left nothing: no container, no network of the project.
    assert.deepEqual(await docker!.containers(), []);
    assert.deepEqual((await docker!.dockerOk(['network', 'ls', '--format', '{{.Name}}'])).split('\n').filter((name) => name.startsWith('compose')), []);

    // The README's "What you see" is a real run's lines: same messages, in the same order.
    const readmeRun = composeBlock[1]!.trim().split('\n');
    const sidecarAt = readmeRun.indexOf('$ docker logs jobdone-demo-sidecar');
    assert.equal(readmeRun[0], '$ docker logs jobdone-demo-job');
    const [job, sidecar] = [seen.jobLogs[0]!, seen.sidecarLogs[0]!];
    process.stderr.write(`docker e2e: the compose recipe's logs (first run):\n${[...job.stdout, ...job.stderr, ...sidecar.stdout, ...sidecar.stderr].join('\n')}\n`);
    const shown = (lines: string[], real: { stdout: string[]; stderr: string[] }): boolean => isInterleaving(lines.map(shape), real.stdout.map(shape), real.stderr.map(shape));
    assert.ok(shown(readmeRun.slice(1, sidecarAt), job), `the README's job log is not a real run's:\n${readmeRun.slice(1, sidecarAt).join('\n')}\nreal stdout:\n${job.stdout.join('\n')}\nreal stderr:\n${job.stderr.join('\n')}`);
    assert.ok(shown(readmeRun.slice(sidecarAt + 1), sidecar), `the README's sidecar log is not a real run's:\n${readmeRun.slice(sidecarAt + 1).join('\n')}`);
  }

  it('docker-compose (v1) runs the compose recipe as written: job 0 then 3, sidecar exits 0 by itself, one jobdone, nothing left after down', async () => {
    const started = performance.now();
    await composeRecipe((line) => line.replace(/^(COUNTDOWN_EXIT=\d+ )?docker compose /, '$1docker-compose '));
    process.stderr.write(`docker e2e: compose v1 recipe in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  });

  it('docker compose (v2) runs the same recipe, where the plugin is installed', async (t) => {
    if ((await docker!.docker(['compose', 'version'])).code !== 0) {
      t.skip('docker compose (v2) is not installed here (Debian 12 has only docker-compose v1)');
      return;
    }
    await composeRecipe((line) => line);
  });

  it('the plain `docker run --pid container:` recipe: the job exits 3 (and 0), the sidecar 0, one jobdone, nothing left', async () => {
    const [block] = readmeBlocks('### Try it with plain `docker run`');
    for (const status of [3, 0]) {
      let sidecarWait = '';
      const steps = await runRecipe(docker!, block!, {
        rewrite: (line) => line.replace('-e COUNTDOWN_EXIT=3', `-e COUNTDOWN_EXIT=${status}`),
        onStep: async (step) => {
          if (step.line.startsWith('docker wait jobdone-demo-sidecar')) sidecarWait = step.stdout.trim();
        },
      }).finally(() => docker!.docker(['rm', '--force', ...demoContainers]));
      const job = steps.find((step) => step.line.startsWith('docker run --name jobdone-demo-job'))!;
      for (const step of steps) if (step !== job) assert.equal(step.code, 0, `${step.line}: ${step.stderr}`);
      assert.equal(job.code, status, job.stderr);
      assert.equal(job.stdout, countdownOutput);
      assert.equal(job.stderr.split('\n').filter((line) => line.startsWith('jobdone: done:')).length, 1, job.stderr);
      assert.match(job.stderr, new RegExp(`jobdone: done: job exited with code ${status}; 1 container\\(s\\) stopped`));
      assert.match(job.stderr, /sent SIGTERM pid=\d+ comm=sleep/);
      assert.equal(sidecarWait, '0');
      assert.deepEqual(await docker!.containers(), []);
    }
  });

  it('a job image with no shell, no libc (FROM scratch) gets jobdone through COPY --from=jobdone and stops the sidecar', async () => {
    const context = mkdtempSync(join(tmpdir(), 'jobdone-e2e-static-'));
    const names = ['jobdone-e2e-static-job', 'jobdone-e2e-static-sidecar', 'jobdone-e2e-static-pause'];
    try {
      // The images the recipes build (from their cache when a recipe ran first), and the static job.
      await docker!.dockerOk(['build', '-t', 'jobdone', repoRoot], 300_000);
      await docker!.dockerOk(['build', '-t', 'endless-sidecar', join(repoRoot, 'images', 'endless-sidecar')], 120_000);
      await docker!.dockerOk(['build', '-t', 'static-job', join(repoRoot, 'images', 'static-job')], 120_000);
      writeFileSync(join(context, 'Dockerfile'), [
        'FROM static-job',
        'COPY --from=jobdone /jobdone /jobdone',
        'ENTRYPOINT ["/jobdone/jobdone", "--wait-process", "sleep", "--", "/app/busybox", "seq", "3", "-1", "1"]',
        '',
      ].join('\n'));
      await docker!.dockerOk(['build', '-t', 'static-job-jobdone', context], 120_000);
      const noShell = await docker!.docker(['run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', 'static-job-jobdone', '-c', 'true']);
      assert.notEqual(noShell.code, 0, 'the image has no /bin/sh');
      await docker!.dockerOk(['run', '-d', '--name', names[2]!, '--network', 'none', 'registry.k8s.io/pause:3.10']);
      const join_ = ['--pid', `container:${names[2]}`, '--network', `container:${names[2]}`];
      await docker!.dockerOk(['run', '-d', '--name', names[1]!, ...join_, 'endless-sidecar']);
      const job = await docker!.docker(['run', '--name', names[0]!, ...join_, 'static-job-jobdone']);
      assert.equal(job.code, 0, job.stderr);
      assert.equal(job.stdout, '3\n2\n1\n');
      assert.match(job.stderr, /jobdone: done: job exited with code 0; 1 container\(s\) stopped/);
      assert.equal((await docker!.dockerOk(['wait', names[1]!], 30_000)).trim(), '0');
    } finally {
      await docker!.docker(['rm', '--force', ...names]);
      rmSync(context, { recursive: true, force: true });
    }
  });
});
