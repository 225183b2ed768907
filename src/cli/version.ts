// --version and the top-level help text.
import { readFileSync } from 'node:fs';
import { OCI_VERSION } from '../runtime/oci-state.js';

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function printVersion(): void {
  process.stdout.write(`ocirt version ${packageVersion()}\nspec: ${OCI_VERSION}\nnode: ${process.version}\n`);
}

export function mainHelp(): string {
  return `NAME:
   ocirt - Open Container Initiative runtime

USAGE:
   ocirt [global options] command [command options] [arguments...]

VERSION:
   ${packageVersion()}

COMMANDS:
   create    create a container
   delete    delete any resources held by the container often used with detached container
   features  show the enabled features
   kill      kill sends the specified signal (default: SIGTERM) to the container's init process
   list      lists containers started by ocirt with the given root
   pause     pause suspends all processes inside the container
   ps        ps displays the processes running inside a container
   resume    resumes all processes that have been previously paused
   run       create and run a container
   spec      create a new specification file
   start     executes the user defined process in a created container
   state     output the state of a container

GLOBAL OPTIONS:
   --debug             enable debug logging
   --log value         set the log file to write ocirt logs to (default is '/dev/stderr')
   --log-format value  set the log format ('text' (default), or 'json') (default: "text")
   --root value        root directory for storage of container state (this should be located in tmpfs) (default: "/run/ocirt")
   --systemd-cgroup    enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name"
   --rootless value    ignore cgroup permission errors ('true', 'false', or 'auto') (default: "auto")
   --help, -h          show help
   --version, -v       print the version
`;
}
