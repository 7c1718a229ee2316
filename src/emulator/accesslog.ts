// The emulator's access log (--log): one JSON line per request, written synchronously so readers see it at once.
import { closeSync, openSync, writeSync } from 'node:fs';
import { MdctlError } from '../core/errors.js';

export interface LogEntry {
  time: string;
  method: string;
  path: string;
  /** The status sent, or null when the connection was reset before a status line. */
  status: number | null;
  remote: string;
  duration_ms: number;
  instance: string | null;
  fault: string | null;
}

export class AccessLog {
  private constructor(private fd: number | undefined) {}

  /** Open (append, create 0644) the log file; ERR_IO when it cannot be opened. */
  static open(path: string): AccessLog {
    try {
      return new AccessLog(openSync(path, 'a', 0o644));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new MdctlError('ERR_IO', `serve: cannot open log ${path}: ${code}`, { cause: error });
    }
  }

  write(entry: LogEntry): void {
    if (this.fd !== undefined) writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
