// What every runtime operation needs: where state lives, where to log, and the
// global flags that change behaviour.
import { StateStore } from '../../state/store.js';
import { Logger } from '../../log.js';

export interface RuntimeOptions {
  /** State directory root (runc's --root). */
  root?: string;
  logger?: Logger;
  systemdCgroup?: boolean;
  rootless?: boolean;
  debug?: boolean;
}

export interface RuntimeContext {
  store: StateStore;
  log: Logger;
  systemdCgroup: boolean;
  rootless: boolean;
  debug: boolean;
}

export const DEFAULT_ROOT = '/run/ocirt';

export function makeContext(opts: RuntimeOptions = {}): RuntimeContext {
  return {
    store: new StateStore(opts.root ?? DEFAULT_ROOT),
    log: opts.logger ?? new Logger({ debug: opts.debug }),
    systemdCgroup: !!opts.systemdCgroup,
    rootless: !!opts.rootless,
    debug: !!opts.debug,
  };
}
