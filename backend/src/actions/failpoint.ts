/**
 * Crash points for reliability tests: with MODELWATCH_FAILPOINT=<name> the process kills
 * itself (SIGKILL, as a crash would) when it reaches that point. Read once at start; a
 * no-op in normal runs.
 */
const armed = process.env.MODELWATCH_FAILPOINT;

export function failpoint(name: 'action.before_commit' | 'action.after_commit'): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}
