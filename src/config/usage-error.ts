// Bad input: the message is one line naming the bad value and what is accepted; main() prints it
// and exits 125 before anything runs.
export class UsageError extends Error {}
