// get's direct path parses exactly as commander does, and hands anything unusual to commander.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as commander from 'commander';
import type { CommandContext } from '../../src/cli/context.js';
import { parseDirect } from '../../src/cli/direct.js';
import { buildProgram } from '../../src/cli/program.js';
import { runCli } from '../helpers/cli.js';

const ENV = { MDCTL_CACHE_DIR: '/env/cache', MDCTL_ENDPOINT: 'http://127.0.0.1:9' };

/** What commander hands the command for the same argv and environment. */
async function viaCommander(argv: string[], env: NodeJS.ProcessEnv): Promise<Omit<CommandContext, 'out'> & { name: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    let seen: (Omit<CommandContext, 'out'> & { name: string }) | undefined;
    await buildProgram(commander, async (name, ctx) => void (seen = { name, ...ctx })).parseAsync(['node', 'mdctl', ...argv]);
    assert.ok(seen, 'commander ran a command');
    return seen;
  } finally {
    for (const key of Object.keys(env)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

const SAME = [
  ['get'],
  ['get', 'hostname'],
  ['get', 'hostname', '--json'],
  ['--json', 'get', 'public-keys.0.data'],
  ['--cache-dir', '/c', '--endpoint', 'http://[::1]:8775', 'get', 'routes', '--yaml', '-q'],
  ['--cache-dir=/c', 'get', '--refresh', '--timeout', '2.5', '--source', 'configdrive:/mnt/cd', 'instance-id'],
  ['get', 'hostname', '--no-color', '--debug', '--state-dir', '/s', '--config', '/etc/x.yaml'],
];

test('for plain get command lines the direct path gives exactly what commander gives', async () => {
  for (const env of [{}, ENV]) {
    for (const argv of SAME) {
      const direct = parseDirect(argv, env);
      assert.ok(direct, `direct path taken for ${argv.join(' ')}`);
      const expected = await viaCommander(argv, env);
      assert.equal(direct.name, expected.name);
      assert.deepEqual(direct.args, expected.args, argv.join(' '));
      assert.deepEqual({ ...direct.opts }, { ...expected.opts }, argv.join(' '));
    }
  }
});

test('help, version, unknown options, bad values, extra arguments and other commands go to commander', () => {
  for (const argv of [
    ['get', '--help'],
    ['-h', 'get'],
    ['--version'],
    ['get', '--bogus'],
    ['get', 'a', 'b'],
    ['get', '--timeout', 'abc'],
    ['get', '--source', 'floppy'],
    ['get', '--endpoint'],
    ['fetch'],
    ['hostname'],
    [],
  ]) {
    assert.equal(parseDirect(argv, {}), null, argv.join(' '));
  }
});

test('the CLI still answers usage errors on the get path through commander: one line, exit 2', async () => {
  const result = await runCli(['get', '--timeout', 'abc', 'hostname']);
  assert.equal(result.status, 2);
  assert.equal(result.stderr, 'mdctl: --timeout "abc": must be a number of seconds, more than 0 and at most 86400\n');
});
