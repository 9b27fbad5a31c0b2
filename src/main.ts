// Entry point: parse once, then hand over to the lifecycle. jobdone's own
// failures before the job starts exit 125; after that, the job's status rules.
// First, before any other module: jobdone's own Node must not obey the job's NODE_* variables,
// and SIGUSR1 must never reach Node's inspector (see the modules).
import './node-env/early.ts';
import './job/early-sigusr1.ts';
import './log/node-warnings.ts';
import { helpText } from './cli/help.ts';
import type { RunConfig } from './config/config.ts';
import { parseInvocation, UsageError } from './config/parse.ts';
import { environmentForJob } from './config/outer.ts';
import { checkProcRoot } from './config/proc-root.ts';
import { eitherPattern } from './config/regex.ts';
import { requestedLogFormat } from './config/refused-invocation.ts';
import { terminationLogOfRefusedInvocation } from './config/termination-log.ts';
import { ExitCode } from './exit-codes.ts';
import { runInstall } from './install/run-install.ts';
import { withDeadline } from './job/deadline.ts';
import { forwardSignals } from './job/forward-signals.ts';
import { innerRunOf, type InnerRun } from './job/nested.ts';
import { startJob } from './job/run-job.ts';
import { runLifecycle, type LifecycleDeps } from './lifecycle.ts';
import { createLogger, ownLine, writeToStderr, type Logger } from './log/logger.ts';
import { jobEnvironment } from './node-env/early.ts';
import { linuxOnlyRefusal } from './platform.ts';
import { runPs } from './ps/run-ps.ts';
import { waitForSidecars } from './ready/wait-for-sidecars.ts';
import { sidecarTerminationMessage, terminationMessageAs, usageErrorMessage, writeTerminationMessage } from './report/termination.ts';
import { runSidecar } from './sidecar/run-sidecar.ts';
import { stopAfterJob } from './stop/stop-after-job.ts';
import { version } from './version.ts';
import { lookEarly } from './stop/early-look.ts';
import { warmUp, whileJobRuns } from './warm-up.ts';
import { warmUpForCache } from './warm-up-cache.ts';
import { monotonicMs } from './monotonic.ts';

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let invocation;
  try {
    invocation = parseInvocation(argv, env);
    // Off Linux, say so before anything looks for /proc.
    const refusal = linuxOnlyRefusal(invocation.kind, process.platform);
    if (refusal !== undefined) {
      writeToStderr(ownLine(requestedLogFormat(argv, env), 'error', refusal));
      return ExitCode.jobdoneError;
    }
    checkProcRoot(invocation);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const format = requestedLogFormat(argv, env);
    writeToStderr(ownLine(format, 'error', error.message));
    if (argv[0] !== 'ps' && argv[0] !== 'inject') writeTerminationMessage(terminationLogOfRefusedInvocation(argv, env), usageErrorMessage(error.message, ExitCode.jobdoneError), createLogger({ format, level: 'warn' }));
    return ExitCode.jobdoneError;
  }
  switch (invocation.kind) {
    case 'help':
      process.stdout.write(helpText(invocation.subcommand));
      return 0;
    case 'version':
      process.stdout.write(`jobdone ${version} (node ${process.version})\n`);
      return 0;
    case 'install':
      return runInstall(invocation.dir, requestedLogFormat(argv, env));
    case 'inject': {
      // Loaded only here: the yaml parser is three times the rest of jobdone, and a Job's
      // start must not pay for evaluating it. esbuild turns this import() into a lazy
      // require of the bundled module (the SEA bundle holds no dynamic import).
      const { runInject } = await import('./inject/run-inject.ts');
      return runInject(invocation.options);
    }
    case 'run': {
      const { config } = invocation;
      const log = createLogger(config.log);
      return runLifecycle(config, realDeps(config, log));
    }
    case 'ps':
      return runPs(invocation.config, createLogger(invocation.config.log));
    case 'sidecar': {
      const log = createLogger(invocation.config.log);
      return runSidecar(invocation.config, {
        forwardSignals: () => forwardSignals({
          onForwardError: (signal, error) => log.warn(`cannot forward ${signal} to the sidecar: ${error.code ?? error.message}`),
        }),
        startJob,
        log,
        finished: (run) => writeTerminationMessage(invocation.config.terminationLog, () => sidecarTerminationMessage(run), log),
      });
    }
  }
}

/** The lifecycle's steps over the real system: signals, processes, /proc, HTTP, the termination log. */
function realDeps(config: RunConfig, log: Logger): LifecycleDeps {
  // While the job runs: the stop's code, run once on a made-up pod (src/warm-up.ts), then one
  // look at the real pod whose files the stop reads again (src/stop/early-look.ts).
  const early = whileJobRuns(async () => {
    await warmUp([config.log.format]);
    const held = lookEarly(config, process.pid);
    log.debug(held === undefined ? 'looked at the pod while the job runs: nothing to hold for the stop' : `looked at the pod while the job runs: the files of ${held.size} processes held for the stop`);
    return held;
  });
  return {
    forwardSignals: () => forwardSignals({
      onForwardError: (signal, error) => log.warn(`cannot forward ${signal} to the job: ${error.code ?? error.message}`),
    }),
    waitUntilReady: (signals) => waitForSidecars(config, signals, log),
    // A jobdone run as the job honours this one's --skip (src/config/outer.ts).
    startJob: (command, args) => {
      const skip = config.stop.skip;
      const job = startJob(command, args, skip === undefined ? undefined : environmentForJob(jobEnvironment(), skip));
      if (job.pid !== undefined) early.start();
      return job;
    },
    withDeadline: (job, timeoutMs) => withDeadline(job, { timeoutMs, graceMs: config.stop.graceMs, log }),
    jobIsJobdone: (pid) => innerRunOf(pid),
    stopSidecars: async (job, inner) => {
      const held = await early.beforeStop();
      return stopAfterJob(inner === undefined ? config : afterInner(config, inner), job, log, { selfPid: process.pid, held });
    },
    finished: (run) => writeTerminationMessage(config.terminationLog, () => terminationMessageAs(config.terminationFormat, run), log),
    log,
    now: monotonicMs,
  };
}

/** The outer's stop after an inner jobdone's: it leaves alone what either was told to skip, and an empty pod is expected. */
function afterInner(config: RunConfig, inner: InnerRun): RunConfig {
  return { ...config, stop: { ...config.stop, skip: eitherPattern(config.stop.skip, inner.skip), afterInnerStop: true } };
}

main(process.argv.slice(2), process.env).then(
  (status) => process.exit(status),
  (error: unknown) => {
    const message = `internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`;
    writeToStderr(ownLine(requestedLogFormat(process.argv.slice(2), process.env), 'error', message));
    process.exit(ExitCode.jobdoneError);
  },
);

// The build runs these before it takes V8's code cache of this bundle, so the cache holds the
// stop path and the rest of a run's path compiled (scripts/sea-code-cache.cjs).
export { warmUpForCache };
