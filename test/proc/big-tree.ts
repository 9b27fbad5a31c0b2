// Writes a fixture /proc tree of `count` processes for the scan benchmark: too big to commit,
// so it is generated into a temp dir when the benchmark runs. Shapes follow a busy pod: a few
// containers, shells with children, long command lines, full-length status files.
// Run by hand: node --import tsx test/proc/big-tree.ts /tmp/proc-10k 10000
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function writeBigProcTree(root: string, count: number): void {
  mkdirSync(root, { recursive: true });
  for (let i = 0; i < count; i++) {
    const pid = i + 1;
    const container = pid === 1 ? 'pause' : `${(pid % 8).toString(16).repeat(64)}`;
    const ppid = pid === 1 ? 0 : pid < 10 ? 0 : 2 + ((pid * 7) % Math.max(1, pid - 2));
    const comm = ['sh', 'envoy', 'sleep', 'nginx', 'a) (b', 'python3'][pid % 6] ?? 'sh';
    const uid = [0, 1337, 1000, 101][pid % 4] ?? 0;
    const dir = join(root, String(pid));
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'stat'),
      `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 312 0 0 0 3 1 0 0 20 0 1 0 ${1000 + pid} 4509696 180 ` +
        '18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n',
    );
    writeFileSync(join(dir, 'status'), statusText(pid, ppid, comm, uid));
    writeFileSync(join(dir, 'cmdline'), `/usr/bin/${comm}\0--config\0/etc/${comm}/config-${pid}.yaml\0--verbose\0`);
    writeFileSync(join(dir, 'cgroup'), `0::/../${container}\n`);
    writeFileSync(join(dir, 'comm'), `${comm}\n`);
  }
  for (const name of ['self', 'thread-self', 'net', 'sys', 'cpuinfo']) mkdirSync(join(root, name));
}

function statusText(pid: number, ppid: number, comm: string, uid: number): string {
  // The real file is ~1.4 KB with Uid on line 9; the size matters for a fair benchmark.
  const lines = [
    `Name:\t${comm}`, 'Umask:\t0022', 'State:\tS (sleeping)', `Tgid:\t${pid}`, 'Ngid:\t0', `Pid:\t${pid}`, `PPid:\t${ppid}`,
    'TracerPid:\t0', `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`, `Gid:\t${uid}\t${uid}\t${uid}\t${uid}`, 'FDSize:\t64', 'Groups:\t',
    `NStgid:\t${pid}`, `NSpid:\t${pid}`, `NSpgid:\t${pid}`, `NSsid:\t${pid}`, 'Kthread:\t0', 'VmPeak:\t    4404 kB', 'VmSize:\t    4404 kB',
    'VmLck:\t       0 kB', 'VmPin:\t       0 kB', 'VmHWM:\t     720 kB', 'VmRSS:\t     720 kB', 'RssAnon:\t      88 kB',
    'RssFile:\t     632 kB', 'RssShmem:\t       0 kB', 'VmData:\t     224 kB', 'VmStk:\t     132 kB', 'VmExe:\t      20 kB',
    'VmLib:\t    1580 kB', 'VmPTE:\t      48 kB', 'VmSwap:\t       0 kB', 'HugetlbPages:\t       0 kB', 'CoreDumping:\t0',
    'THP_enabled:\t1', 'untag_mask:\t0xffffffffffffffff', 'Threads:\t1', 'SigQ:\t0/31457', 'SigPnd:\t0000000000000000',
    'ShdPnd:\t0000000000000000', 'SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000', 'SigCgt:\t0000000000000000',
    'CapInh:\t0000000000000000', 'CapPrm:\t000001ffffffffff', 'CapEff:\t000001ffffffffff', 'CapBnd:\t000001ffffffffff',
    'CapAmb:\t0000000000000000', 'NoNewPrivs:\t0', 'Seccomp:\t0', 'Seccomp_filters:\t0', 'Speculation_Store_Bypass:\tthread vulnerable',
    'SpeculationIndirectBranch:\tconditional enabled', 'Cpus_allowed:\tff', 'Cpus_allowed_list:\t0-7', 'Mems_allowed:\t1',
    'Mems_allowed_list:\t0', 'voluntary_ctxt_switches:\t2', 'nonvoluntary_ctxt_switches:\t0',
  ];
  return lines.join('\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [root, count] = process.argv.slice(2);
  if (root === undefined) throw new Error('usage: big-tree.ts DIR [COUNT]');
  writeBigProcTree(root, Number(count ?? 10_000));
}
