// Node prints its own warnings (deprecations, MaxListenersExceeded...) with console.error, that is
// through process.stderr, whose stream on a pipe sets O_NONBLOCK on the description the job shares
// (src/log/stderr.ts). They are written as jobdone's own lines instead, through fd 2, in the
// format asked for (JSON under --log-format json).
import { requestedLogFormat } from '../config/refused-invocation.ts';
import { ownLine } from './logger.ts';
import { writeToStderr } from './stderr.ts';

process.removeAllListeners('warning');
process.on('warning', (warning) => {
  writeToStderr(ownLine(requestedLogFormat(process.argv.slice(2), process.env), 'warn', `node: ${warning.name}: ${warning.message}`));
});
