// --version and the top-level help text.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeStdout } from './output.js';
import { OCI_VERSION } from '../oci-version.js';

declare const OCIRT_VERSION: string | undefined;

/** The version in our package.json: built into the compiled binary, else found by walking up from dist/src/cli. */
export function packageVersion(): string {
  if (typeof OCIRT_VERSION === 'string') return OCIRT_VERSION;
  // node:url only here, on Node: the compiled binary has its version built in.
  let dir = dirname(process.getBuiltinModule('node:url').fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'ocirt') return pkg.version;
    } catch {
      // not here
    }
  }
  return 'unknown';
}

export function printVersion(): void {
  writeStdout(`ocirt version ${packageVersion()}\nspec: ${OCI_VERSION}\n${engine()}\n`);
}

/** The JavaScript engine the runtime runs on, as runc names its Go. */
function engine(): string {
  const bun = process.versions.bun;
  return bun ? `bun: ${bun}` : `node: ${process.version}`;
}

export function mainHelp(): string {
  return `NAME:
   ocirt - Open Container Initiative runtime

USAGE:
   ocirt [global options] command [command options] [arguments...]

VERSION:
   ${packageVersion()}

COMMANDS:
   checkpoint  checkpoint a running container
   create      create a container
   delete      delete any resources held by the container often used with detached container
   events      display container events such as OOM notifications, cpu, memory, and IO usage statistics
   exec        execute new process inside the container
   features    show the enabled features
   kill        kill sends the specified signal (default: SIGTERM) to the container's init process
   list        lists containers started by ocirt with the given root
   pause       pause suspends all processes inside the container
   ps          ps displays the processes running inside a container
   restore     restore a container from a previous checkpoint
   resume      resumes all processes that have been previously paused
   run         create and run a container
   spec        create a new specification file
   start       executes the user defined process in a created container
   state       output the state of a container
   update      update container resource constraints

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
