// Signals a container process may send to every pid it sees (`kill -1`) whose default
// action would end or stop an init. The inits give each a listener that does nothing
// as their first act (SIGUSR1 besides keeps Node's inspector off). SIGPIPE and SIGXFSZ
// Node and Bun ignore already; SIGSEGV, SIGBUS, SIGFPE and SIGILL stay fatal, a real
// fault must not be retried forever. execve resets handled signals to their defaults.
export const SHIELDED_SIGNALS: readonly NodeJS.Signals[] = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTRAP', 'SIGABRT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT',
  'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGXCPU', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPWR', 'SIGSYS',
];

export function shieldSignals(): void {
  for (const sig of SHIELDED_SIGNALS) process.on(sig, () => {});
}
