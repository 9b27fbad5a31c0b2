// npm run demo: the blog post's pod, for real, in a sandbox pod (namespaces and
// cgroups, PID 1 = catatonit, shareProcessNamespace semantics): a countdown job
// run by dist/jobdone and the endless sidecar `sleep infinity; echo 'stopping now!'`.
// Needs root, like the pod tests.
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { distExecutable, repoRoot } from '../test/helpers/jobdone.ts';
import { createPod, sandboxSkipReason } from '../test/sandbox/pod.ts';

if (process.getuid?.() !== 0) {
  process.stderr.write('npm run demo needs root: it builds a pod from namespaces and cgroups (try: sudo npm run demo)\n');
  process.exit(1);
}
const reason = sandboxSkipReason();
if (reason !== undefined) {
  process.stderr.write(`npm run demo cannot make a pod here: ${reason}\n`);
  process.exit(1);
}
if (!existsSync(distExecutable)) {
  process.stderr.write('dist/jobdone is missing: run npm run build first\n');
  process.exit(1);
}

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
