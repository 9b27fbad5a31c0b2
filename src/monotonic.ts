// A monotonic clock in milliseconds. Not performance.now(): the first use of the `performance`
// global loads perf_hooks, 1.1 ms of every start here (measured), where process.hrtime is
// part of the bootstrapped process object.
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1000 + nanoseconds / 1e6;
}
