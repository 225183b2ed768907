// events: a container's statistics and OOM notifications as JSON lines on stdout (runc's `events`).
import { writeStdout } from '../output.js';
import type { Command } from '../command.js';
import { helpText } from '../command.js';
import { RuntimeError } from '../../errors.js';

export const events: Command = {
  name: 'events',
  summary: 'display container events such as OOM notifications, cpu, memory, and IO usage statistics',
  usage: '[command options] <container-id>',
  options: {
    interval: { type: 'string', requiresArg: true, default: '5s', describe: 'set the stats collection interval (default: 5s)' },
    stats: { type: 'boolean', describe: "display the container's stats then exit" },
  },
  args: { exact: 1 },
  async run(ctx, [id], flags) {
    const { parseGoDuration, statsEvent, streamEvents } = await import('../../runtime/operations/events.js');
    const text = String(flags.interval);
    const intervalMs = parseGoDuration(text);
    if (intervalMs === undefined) {
      // A bad duration is a flag error in runc: usage on stdout, the message logged, exit 1.
      const msg = `invalid value ${JSON.stringify(text)} for flag -interval: parse error`;
      writeStdout(`Incorrect Usage: ${msg}\n\n${helpText(events)}`);
      throw new RuntimeError(msg);
    }
    if (flags.stats) {
      writeStdout(await statsEvent(ctx, id!, intervalMs));
      return 0;
    }
    // A reader that goes away ends the stream quietly (runc dies of SIGPIPE there).
    let readerGone = false;
    process.stdout.on('error', () => {
      readerGone = true;
    });
    await streamEvents(ctx, id!, intervalMs, {
      write: (line) => {
        if (!readerGone) process.stdout.write(line);
        return !readerGone;
      },
    });
    return 0;
  },
};
