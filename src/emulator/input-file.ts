// Reads an input file of the emulator (fixture, fault rules): a regular file only, never blocking on a FIFO, never past a size cap. A copy of system/input-file.ts: the emulator shares no code with the client.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Why a file cannot be read as input: an errno code, "not a regular file", or "over N bytes". */
export class InputFileError extends Error {
  constructor(
    readonly reason: string,
    readonly errno?: string,
  ) {
    super(reason);
  }
}

/**
 * The bytes of `path` (symlinks followed). It is opened without blocking, so a FIFO never
 * hangs the reader; anything but a regular file (a FIFO, /dev/zero, a directory) is refused
 * before a byte is read, and so is a file over `maxBytes`, or one that grows past it while read.
 */
export async function readInputFile(path: string, maxBytes: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InputFileError(code === 'ENOENT' ? 'no such file' : `cannot read: ${code}`, code);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new InputFileError('not a regular file');
    if (stats.size > maxBytes) throw new InputFileError(`${stats.size} bytes, over ${maxBytes}`);
    // One byte more than the size: a file that grows while read is caught, not read on without end.
    const buffer = Buffer.alloc(stats.size + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) {
      read = (await handle.read(buffer, length, buffer.length - length, length)).bytesRead;
    }
    if (length > stats.size) throw new InputFileError('it grew while being read');
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}
