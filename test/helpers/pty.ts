// Runs a command on a real pseudo-terminal (python3's pty module) and types Ctrl-C once the output shows a given text.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The terminal side: 80x24 (a spinner needs a width), reads until EOF, reports how the command ended. */
const DRIVER = `
import fcntl, json, os, pty, select, signal, struct, sys, termios, time
argv, wait_for, limit = json.loads(sys.argv[1]), sys.argv[2].encode(), float(sys.argv[3])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
out, sent_at, start = b'', None, time.monotonic()
while True:
    left = limit - (time.monotonic() - start)
    if left <= 0:
        os.kill(pid, signal.SIGKILL)
        break
    if not select.select([fd], [], [], left)[0]:
        continue
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if sent_at is None and wait_for in out:
        os.write(fd, b'\\x03')
        sent_at = time.monotonic()
status = os.waitpid(pid, 0)[1]
print(json.dumps({'exit': os.waitstatus_to_exitcode(status), 'ms_after_interrupt': None if sent_at is None else round((time.monotonic() - sent_at) * 1000), 'output': out.decode('utf8', 'replace')}))
`;

export interface PtyResult {
  /** The exit status; minus the signal number when a signal ended it. */
  exit: number;
  /** How long the command ran after Ctrl-C was typed; null when the text never showed. */
  ms_after_interrupt: number | null;
  /** Everything the terminal showed (stdout and stderr together). */
  output: string;
}

/** Runs argv on a terminal, types Ctrl-C when `waitFor` appears, and kills it after `limitMs`. */
export async function interruptOnTerminal(argv: string[], waitFor: string, limitMs: number, env: NodeJS.ProcessEnv): Promise<PtyResult> {
  const { stdout } = await run('python3', ['-c', DRIVER, JSON.stringify(argv), waitFor, String(limitMs / 1000)], { env, maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as PtyResult;
}
