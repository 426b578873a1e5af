/**
 * Crash points for reliability tests: with MODELWATCH_FAILPOINT=<name> the process kills
 * itself (SIGKILL, as a crash would) when it reaches that point. Read once at start; a
 * no-op in normal runs. Read here rather than by core/config.ts on purpose: it is a test
 * hook of a child process (serving/reliability.test.ts), not configuration, and threading
 * it through the services would put a test-only parameter on every action's path.
 */
const armed = process.env.MODELWATCH_FAILPOINT;

export function failpoint(name: 'action.before_commit' | 'action.after_commit'): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}
