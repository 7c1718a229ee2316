// `mdctl completion bash`: a script bash accepts, whose function completes commands, options and values from the spec.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { bashCompletion } from '../../src/cli/completion.js';
import { COMMANDS, GLOBAL_OPTIONS } from '../../src/cli/spec.js';
import { runCli } from '../helpers/cli.js';

const run = promisify(execFile);

describe('mdctl completion bash', () => {
  let dir = '';
  let script = '';
  let functionName = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mdctl-completion-'));
    const result = await runCli(['completion', 'bash']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    script = join(dir, 'mdctl.bash');
    await writeFile(script, result.stdout);
    functionName = /^complete -F (\S+) mdctl$/m.exec(result.stdout)?.[1] ?? '';
    await mkdir(join(dir, 'images', 'root-a'), { recursive: true });
    await writeFile(join(dir, 'images', 'fixture.yaml'), '');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Sources the script, sets COMP_WORDS/COMP_CWORD for `words` (the last one being completed), returns COMPREPLY. */
  async function complete(...words: string[]): Promise<string[]> {
    const quoted = words.map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(' ');
    const program = `source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; ${functionName}; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', program, 'bash', script], { cwd: dir });
    return stdout.split('\n').filter((line) => line !== '');
  }

  it('is a script bash parses, registering a function for mdctl', async () => {
    await run('bash', ['-n', script]);
    assert.match(functionName, /^_\w+$/);
  });

  it('completes command names', async () => {
    assert.deepEqual(await complete('mdctl', 'ge'), ['get']);
    assert.deepEqual(await complete('mdctl', 'd'), ['doctor']);
    assert.deepEqual((await complete('mdctl', '')).sort(), [...COMMANDS.map((c) => c.name), 'help'].sort());
  });

  it("completes a command's own options and the global ones, not another command's", async () => {
    assert.deepEqual(await complete('mdctl', 'apply', '--dr'), ['--dry-run']);
    assert.deepEqual(await complete('mdctl', 'get', '--re'), ['--refresh']);
    assert.deepEqual(await complete('mdctl', 'serve', '--proxy'), ['--proxy-secret']);
    assert.deepEqual(await complete('mdctl', 'get', '--dr'), []);
    assert.deepEqual(await complete('mdctl', 'install', '--ca'), ['--cache-dir']);
    assert.deepEqual(await complete('mdctl', '--ver'), ['--version']);
  });

  it('finds the command after global options that take a value', async () => {
    assert.deepEqual(await complete('mdctl', '--cache-dir', '/tmp', 'boot', '--no-l'), ['--no-live']);
    assert.deepEqual(await complete('mdctl', '--json', 'get', '--re'), ['--refresh']);
  });

  it('offers the values of --source and the shells of completion', async () => {
    assert.deepEqual(await complete('mdctl', '--source', ''), ['auto', 'openstack', 'ec2', 'configdrive']);
    assert.deepEqual(await complete('mdctl', 'fetch', '--source', 'o'), ['openstack']);
    assert.deepEqual(await complete('mdctl', 'completion', ''), ['bash']);
  });

  it('offers directories for directory options and files for file options', async () => {
    assert.deepEqual(await complete('mdctl', 'install', '--root', 'images/'), ['images/root-a']);
    assert.deepEqual((await complete('mdctl', 'validate', '--fixture', 'images/')).sort(), ['images/fixture.yaml', 'images/root-a']);
  });

  it('offers nothing for a free-form value', async () => {
    assert.deepEqual(await complete('mdctl', '--endpoint', ''), []);
    assert.deepEqual(await complete('mdctl', 'serve', '--port', ''), []);
  });

  it('names every option of the table', () => {
    const text = bashCompletion(GLOBAL_OPTIONS, COMMANDS);
    const flags = [...GLOBAL_OPTIONS, ...COMMANDS.flatMap((c) => c.options)].flatMap((o) => o.flags.match(/--?[\w-]+/g) ?? []);
    for (const flag of flags) assert.ok(text.includes(` ${flag}`), flag);
  });

  it('refuses a value that is not a plain word rather than put it in the script', () => {
    assert.throws(
      () => bashCompletion([{ flags: '--x <y>', description: 'x', suggestions: ['$(reboot)'] }], []),
      (error: Error & { code?: string }) => error.code === 'ERR_FAILED' && /not a plain word/.test(error.message),
    );
  });

  it('refuses an unknown shell: one line, exit status 2', async () => {
    const result = await runCli(['completion', 'zsh']);
    assert.equal(result.status, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'mdctl: completion: unknown shell "zsh" (supported: bash)\n');
  });

  it('needs the shell argument: exit status 2', async () => {
    const result = await runCli(['completion']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^mdctl: .*shell.*\n$/);
  });
});
