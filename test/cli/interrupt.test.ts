// Ctrl-C typed on a real terminal while the spinner shows (fetch, get that fetches, validate) stops mdctl at once: exit 130, no cache written.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN } from '../helpers/cli.js';
import { startEmulator, writeFixture, type Emulator } from '../helpers/emulator.js';
import { interruptOnTerminal } from '../helpers/pty.js';

const dir = mkdtempSync(join(tmpdir(), 'mdctl-interrupt-'));
/** The service takes 60 s over every OpenStack file: only Ctrl-C ends the run before --timeout 30. */
const SLOW = '- path: /openstack/**\n  delay_ms: 60000\n';
/** A terminal where a spinner shows: colour allowed, not CI. */
const TERMINAL_ENV = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'CI' && key !== 'NO_COLOR')), TERM: 'xterm' };
let emulator: Emulator | undefined;

before(async () => {
  emulator = await startEmulator({ faults: await writeFixture(SLOW) });
});

after(async () => {
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Ctrl-C on a terminal while the spinner shows', { timeout: 120_000 }, () => {
  /** The spinner names the endpoint it fetches from. */
  const fetching = (url: string): string => `Fetching instance metadata from ${url}`;
  const cases: [string, string[], (url: string) => string][] = [
    ['fetch', ['fetch'], fetching],
    ['get when it fetches', ['get', 'hostname'], fetching],
    ['validate', ['validate', '--root', dir], () => 'Validating'],
  ];
  for (const [name, args, spinnerText] of cases) {
    it(`${name}: exits 130 at once and writes no cache`, async () => {
      const cacheDir = join(dir, name.replaceAll(' ', '-'));
      const url = emulator?.url ?? '';
      const argv = [process.execPath, BIN, ...args, '--endpoint', url, '--cache-dir', cacheDir, '--timeout', '30'];
      const result = await interruptOnTerminal(argv, spinnerText(url), 40_000, TERMINAL_ENV);
      assert.notEqual(result.ms_after_interrupt, null, `no spinner: ${result.output}`);
      assert.equal(result.exit, 130, result.output);
      assert.ok((result.ms_after_interrupt ?? Infinity) < 10_000, `took ${result.ms_after_interrupt} ms`);
      assert.deepEqual(readdirSync(dir).filter((entry) => entry === name.replaceAll(' ', '-')), [], 'no cache directory');
      // The cursor ora hid is shown again.
      assert.ok(result.output.lastIndexOf('\x1b[?25h') > result.output.lastIndexOf('\x1b[?25l'), result.output);
    });
  }
});
