// The CLI's output on stdout, written straight to fd 1: the first process.stdout.write
// costs Bun 8-25 ms (it sets up a stream), more than a whole `state` does otherwise.
// The text is encoded with a TextEncoder: Bun's first Buffer.from costs 0.2 ms.
import { writeSync } from 'node:fs';
import { fromNodeError } from '../errors.js';
import { sleepSync } from '../sleep.js';

/**
 * Writes all of `text` to stdout before it returns. A non-blocking stdout that is
 * full is waited for; a reader that went away (EPIPE) ends the output quietly, as
 * process.stdout does.
 */
export function writeStdout(text: string, fd = 1): void {
  let data = new TextEncoder().encode(text);
  while (data.length > 0) {
    try {
      data = data.subarray(writeSync(fd, data));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') sleepSync(1);
      else if (code === 'EPIPE') return;
      else if (code !== 'EINTR') throw fromNodeError(err, 'write', 'stdout');
    }
  }
}
