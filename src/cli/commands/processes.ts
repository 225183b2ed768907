// pause, resume, ps: commands on the processes of a running container.
import { writeStdout } from '../output.js';
import type { Command } from '../command.js';
import { RuntimeError } from '../../errors.js';

export const pause: Command = {
  name: 'pause',
  summary: 'pause suspends all processes inside the container',
  usage: '<container-id>',
  options: {},
  args: { exact: 1 },
  async run(ctx, [id]) {
    const { pauseContainer } = await import('../../runtime/operations/pause.js');
    await pauseContainer(ctx, id!);
    return 0;
  },
};

export const resume: Command = {
  name: 'resume',
  summary: 'resumes all processes that have been previously paused',
  usage: '<container-id>',
  options: {},
  args: { exact: 1 },
  async run(ctx, [id]) {
    const { resumeContainer } = await import('../../runtime/operations/pause.js');
    await resumeContainer(ctx, id!);
    return 0;
  },
};

export const ps: Command = {
  name: 'ps',
  summary: 'ps displays the processes running inside a container',
  usage: '[command options] <container-id> [ps options]',
  options: { format: { type: 'string', alias: 'f', requiresArg: true, default: 'table', describe: 'select one of: table or json' } },
  args: { min: 1 },
  async run(ctx, [id, ...psArgs], flags) {
    const { containerPids } = await import('../../runtime/operations/pause.js');
    const pids = await containerPids(ctx, id!);
    const format = String(flags.format);
    if (format === 'json') {
      writeStdout(`${JSON.stringify(pids.length ? pids : null)}\n`);
      return 0;
    }
    if (format !== 'table') throw new RuntimeError(`invalid format: ${format}`);
    // Like runc: the host's ps, filtered to the container's pids by the PID column.
    const args = psArgs.filter((a) => a !== '').length ? psArgs.flatMap((a) => a.split(' ').filter(Boolean)) : ['-ef'];
    const { spawnSync } = await import('node:child_process');
    (await import('../../runtime/launch/inherited-fds.js')).markInheritedFdsCloseOnExec();
    const r = spawnSync('ps', args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' } });
    if (r.status !== 0) throw new RuntimeError(`ps: ${r.stderr || r.error?.message || `exit status ${r.status}`}`);
    const lines = r.stdout.split('\n').filter(Boolean);
    const header = lines[0] ?? '';
    const col = header.trim().split(/\s+/).indexOf('PID');
    if (col < 0) throw new RuntimeError("couldn't find PID field in ps output");
    const wanted = new Set(pids);
    const rows = lines.slice(1).filter((line) => wanted.has(Number(line.trim().split(/\s+/)[col])));
    writeStdout([header, ...rows].map((line) => `${line}\n`).join(''));
    return 0;
  },
};
