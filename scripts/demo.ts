// npm run demo: the blog post's pod, for real, in a sandbox pod (namespaces and
// cgroups, PID 1 = catatonit, shareProcessNamespace semantics): a countdown job
// run by dist/jobdone and the endless sidecar `sleep infinity; echo 'stopping now!'`.
// Needs root, like the pod tests. It builds dist/jobdone itself (not the bundle, which it does
// not run), after checking the sandbox can be made, so a machine that cannot run it learns so
// first. The sandbox needs catatonit and a static busybox, which a fresh Debian lacks: run as
// root on Debian or Ubuntu, the demo installs exactly the missing packages with apt-get, saying
// so in one line first (a user who types `npm run demo` as root asked for the demo to run).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { distExecutable, repoRoot } from '../test/helpers/jobdone.ts';
import { onPath } from '../test/helpers/skip.ts';
import { forgetSandboxProbe, sandboxMissingPackages } from '../test/sandbox/host.ts';
import { createPod, sandboxSkipReason } from '../test/sandbox/pod.ts';

const stop = (line: string): never => {
  process.stderr.write(`${line}\n`);
  process.exit(1);
};

/** Debian or a derivative (Ubuntu) with apt-get: where the package names the sandbox names are right. */
function isDebianLike(): boolean {
  if (!onPath('apt-get') || !existsSync('/etc/os-release')) return false;
  const release = readFileSync('/etc/os-release', 'utf8');
  return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(release);
}

/** apt-get install, and once more after apt-get update when the package lists are empty or stale. */
function aptInstall(packages: readonly string[]): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): ReturnType<typeof spawnSync> => spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { env, encoding: 'utf8' });
  let result = install();
  if (result.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { env, stdio: 'ignore' });
    result = install();
  }
  if (result.status !== 0) stop(`npm run demo: apt-get install ${packages.join(' ')} failed: ${String(result.stderr).trim().split('\n').pop()}`);
}

if (process.getuid?.() !== 0) stop('npm run demo needs root: it builds a pod from namespaces and cgroups (try: sudo npm run demo)');
const packages = sandboxMissingPackages();
if (packages.length > 0 && isDebianLike()) {
  process.stderr.write(`npm run demo: the sandbox pod needs ${packages.join(' and ')}; installing ${packages.length === 1 ? 'it' : 'them'} with apt-get install ${packages.join(' ')}\n`);
  aptInstall(packages);
  forgetSandboxProbe();
}
const reason = sandboxSkipReason();
if (reason !== undefined) stop(`npm run demo cannot make a pod here: ${reason}`);
if (spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { stdio: 'inherit' }).status !== 0) process.exit(1);

function show(container: string, stream: Readable): void {
  createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${container}] ${line}\n`));
}

const countdown = 'for i in $(seq 10 -1 1); do echo "$i"; sleep 0.3; done; echo "And it is a lift off!"';
const pod = await createPod({ name: 'countdown' });
try {
  process.stdout.write('pod "countdown": PID 1 is catatonit; containers: sidecar (bash), main (jobdone -- sh -c countdown)\n\n');
  const sidecar = await pod.start({ name: 'sidecar', command: ['bash', '-c', "sleep infinity; echo 'stopping now!'"] });
  show('sidecar', sidecar.streams.stdout);
  show('sidecar', sidecar.streams.stderr);
  const main = await pod.start({ name: 'main', cwd: repoRoot, command: [distExecutable, '--grace', '5s', '--', 'sh', '-c', countdown] });
  show('main', main.streams.stdout);
  show('main', main.streams.stderr);
  const [mainStatus, sidecarStatus] = await Promise.all([main.exited, sidecar.exited]);
  process.stdout.write(`\nmain container exited ${mainStatus.code}, sidecar container exited ${sidecarStatus.code}; PID 1 ${pod.pid1Alive() ? 'still running' : 'GONE'}\n`);
  process.exitCode = mainStatus.code === 0 && sidecarStatus.code === 0 ? 0 : 1;
} finally {
  await pod.destroy();
}
