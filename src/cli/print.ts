// Writes the direct path's answer to stdout with write(2), without setting up process.stdout (its stream costs ~7 ms to load).
import { writeSync } from 'node:fs';
import { MdctlError } from '../core/errors.js';

export function printSync(text: string): void {
  const bytes = Buffer.from(text);
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(1, bytes, done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // The reader is gone (`mdctl get hostname | head -0`): as with process.stdout, nothing to say.
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw new MdctlError('ERR_IO', `cannot write to stdout: ${code ?? String(error)}`, { cause: error });
      // A non-blocking stdout that is full: the stream waits for it.
      process.stdout.write(bytes.subarray(done));
      return;
    }
  }
}
