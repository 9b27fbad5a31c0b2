// The install subcommand as main() runs it: one log line on success, one
// `jobdone: ...` line and 125 when DIR cannot take the copy.
import { ExitCode } from '../exit-codes.ts';
import { createLogger } from '../log/logger.ts';
import { describeInstall, install, InstallError } from './install.ts';

export function runInstall(dir: string): number {
  try {
    const result = install(dir);
    createLogger({ format: 'text', level: 'info' }).info(describeInstall(result), { files: result.files, bytes: result.bytes });
    return 0;
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    process.stderr.write(`jobdone: ${error.message}\n`);
    return ExitCode.jobdoneError;
  }
}
