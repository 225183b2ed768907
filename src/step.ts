// A named step of setting a container up: with --debug, the runtime and the inits log
// each one with its duration.

/** Runs `fn` as the step called `name`. */
export type Step = <T>(name: string, fn: () => T) => T;

/** A Step that only runs the function (no logging). */
export const runStep: Step = (_name, fn) => fn();
