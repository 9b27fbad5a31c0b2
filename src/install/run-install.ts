// The install subcommand as main() runs it: one log line on success, one
// `jobdone: ...` line and 125 when DIR cannot take the copy.
import { ExitCode } from '../exit-codes.ts';
import { createLogger, ownLine, writeToStderr, type LogFormat } from '../log/logger.ts';
import { describeInstall, install, InstallError } from './install.ts';

export function runInstall(dir: string, format: LogFormat): number {
  try {
    const result = install(dir);
    createLogger({ format, level: 'info' }).info(describeInstall(result), { files: result.files, bytes: result.bytes });
    return 0;
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    writeToStderr(ownLine(format, 'error', error.message));
    return ExitCode.jobdoneError;
  }
}
