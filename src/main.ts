// Entry point: parse once, then hand over to the lifecycle. jobdone's own
// failures before the job starts exit 125; after that, the job's status rules.
import { parseInvocation, UsageError } from './config/parse.ts';
import { helpText } from './config/help.ts';
import { ExitCode } from './exit-codes.ts';
import { forwardSignals } from './job/forward-signals.ts';
import { startJob } from './job/run-job.ts';
import { runLifecycle } from './lifecycle.ts';
import { createLogger } from './log/logger.ts';
import { stopAfterJob } from './stop-after-job.ts';
import { version } from './version.ts';

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let invocation;
  try {
    invocation = parseInvocation(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`jobdone: ${error.message}\n`);
    return ExitCode.jobdoneError;
  }
  switch (invocation.kind) {
    case 'help':
      process.stdout.write(helpText(invocation.subcommand));
      return 0;
    case 'version':
      process.stdout.write(`jobdone ${version} (node ${process.version})\n`);
      return 0;
    case 'run': {
      const { config } = invocation;
      const log = createLogger(config.log);
      return runLifecycle(config, {
        forwardSignals: () => forwardSignals({
          onForwardError: (signal, error) => log.warn(`cannot forward ${signal} to the job: ${error.code ?? error.message}`),
        }),
        startJob,
        stopSidecars: (job) => stopAfterJob(config, job, log),
        log,
        now: () => performance.now(),
      });
    }
  }
}

main(process.argv.slice(2), process.env).then(
  (status) => process.exit(status),
  (error: unknown) => {
    process.stderr.write(`jobdone: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(ExitCode.jobdoneError);
  },
);
