// Runs inside the Node 24 of dist/jobdone (bundled by bench-scan.ts): one cold scan and
// classification of a /proc tree, as jobdone does it once per life after the job has ended.
// Usage: node bench-scan.cjs PROC_ROOT SELF_PID  -> one JSON line on stdout.
import { parseInvocation } from '../src/config/parse.ts';
import { buildPod } from '../src/pod/pod.ts';
import { scanProcesses } from '../src/proc/scan.ts';
import { planStop } from '../src/stop/plan.ts';

const [procRoot = '/proc', self = String(process.pid)] = process.argv.slice(2);
const invocation = parseInvocation(['--', 'true'], {});
if (invocation.kind !== 'run') throw new Error('unexpected invocation');
const start = performance.now();
const processes = scanProcesses(procRoot);
const scanned = performance.now();
const pod = buildPod(processes, { selfPid: Number(self) });
const plan = planStop(pod, invocation.config.stop, { exited: true });
const classified = performance.now();
process.stdout.write(JSON.stringify({
  processes: processes.length,
  containers: pod.others.length,
  groups: plan.groups.length,
  scanMs: scanned - start,
  classifyMs: classified - scanned,
  totalMs: classified - start,
}) + '\n');
