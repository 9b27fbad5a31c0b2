// jobdone's stderr is the job's: one open file description shared with the job and everything
// it starts. Node's process.stderr on a pipe sets O_NONBLOCK on that description (libuv's
// uv_pipe_open), and from jobdone's first log line on the job's own writes into a full pipe
// failed with EAGAIN: a job's output was lost where under GNU timeout nothing is. So jobdone
// never creates process.stderr (nor process.stdout or process.stdin, during a run) and writes
// its lines with write(2) on fd 2 as they are, leaving the flags alone.
import { writeSync } from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * How long one write (the lines of one synchronous run) may wait for a full pipe that someone else made non-blocking (a Node job
 * sets O_NONBLOCK on it too) before the rest of it is dropped: log lines are a courtesy,
 * the stop is not. On a blocking fd write(2) itself waits, as it does for tini or GNU timeout.
 */
export const maxWaitMs = 5000;

let pending = '';
let flushAtExit = false;

/**
 * Queues line for fd 2. Lines written in one synchronous run go out in one write, at its end (a
 * microtask), in order: the stop sends its signals in one run, and a write per "sent SIGTERM"
 * line (a system call, and a wake-up of whoever reads the pipe) ran between the kill(2)s, while
 * the processes signalled first already competed for the CPU. process.exit() writes what is
 * pending ('exit' listener).
 */
export function writeToStderr(line: string): void {
  if (!flushAtExit) {
    flushAtExit = true;
    process.on('exit', flushStderr);
  }
  if (pending === '') queueMicrotask(flushStderr);
  pending += line;
}

function flushStderr(): void {
  if (pending === '') return;
  const text = pending;
  pending = '';
  writeAll(text);
}

/**
 * Writes all of text to fd 2. Errors are dropped: when whoever reads stderr has gone (EPIPE),
 * there is nowhere left to report them, and the job's status and the stop must go on.
 */
function writeAll(text: string): void {
  const bytes = Buffer.from(text);
  let done = 0;
  let waitedMs = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(2, bytes, done, bytes.length - done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EINTR') continue;
      if (code !== 'EAGAIN' || waitedMs >= maxWaitMs) return;
      Atomics.wait(pause, 0, 0, 2);
      waitedMs += 2;
    }
  }
}
