// The man page renders without a single groff warning and documents every option, variable and exit status.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { COMMANDS, GLOBAL_OPTIONS } from '../../src/cli/spec.js';
import { Exit } from '../../src/core/errors.js';
import { VERSION } from '../../src/cli/version.js';
import { runCli } from '../helpers/cli.js';

const run = promisify(execFile);
const MAN = fileURLToPath(new URL('../../../man/mdctl.1', import.meta.url));
const SOURCE = readFileSync(MAN, 'utf8');

/** The page as a reader sees it: plain ASCII, no overstriking, lines long enough never to wrap a flag. */
async function rendered(): Promise<string> {
  const { stdout } = await run('groff', ['-man', '-Tascii', '-rLL=2000n', '-P', '-cbou', MAN]);
  return stdout;
}

/** The flags listed under "Options:" in a --help text: "-q, --quiet", "--root <dir>" -> -q, --quiet, --root. */
function helpFlags(help: string): string[] {
  const options = help.split(/^Options:$/m)[1]?.split(/^(?:Commands|Global Options):$/m)[0] ?? '';
  return [...options.matchAll(/^ {2}((?:-{1,2}[A-Za-z][\w-]*(?:, )?)+)/gm)].flatMap((m) => m[1]!.split(', '));
}

/** OPTIONS split by its subsection titles ("Global options", "Options of apply and boot", ...). */
function optionSubsections(text: string): Map<string, string> {
  const options = text.split(/^OPTIONS$/m)[1]?.split(/^[A-Z]/m)[0] ?? '';
  const parts = options.split(/^ {3}(\S.*)$/m);
  const sections = new Map<string, string>();
  for (let i = 1; i + 1 < parts.length; i += 2) sections.set(parts[i]!, parts[i + 1]!);
  return sections;
}

describe('man/mdctl.1', () => {
  it('renders with groff -ww without any warning', async () => {
    const { stderr } = await run('groff', ['-man', '-Tutf8', '-ww', '-z', MAN]);
    assert.equal(stderr, '');
  });

  it('has the sections of a man page, in order', () => {
    const headings = [...SOURCE.matchAll(/^\.SH "?([^"\n]+)"?$/gm)].map((m) => m[1]);
    const required = ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'OPTIONS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'EXAMPLES', 'SEE ALSO'];
    for (const heading of required) assert.ok(headings.includes(heading), `missing .SH ${heading}`);
    const positions = required.map((heading) => headings.indexOf(heading));
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
  });

  it('names the version mdctl reports', () => {
    assert.match(SOURCE, new RegExp(`^\\.TH MDCTL 1 \\S+ "mdctl ${VERSION.replaceAll('.', '\\.')}"`, 'm'));
  });

  it('documents every option of every command --help under OPTIONS, in that command\'s subsection', async () => {
    const sections = optionSubsections(await rendered());
    const helps = await Promise.all([[], ...COMMANDS.map((c) => [c.name])].map((cmd) => runCli([...cmd, '--help'])));
    let checked = 0;
    for (const [index, help] of helps.entries()) {
      const command = COMMANDS[index - 1]?.name;
      assert.equal(help.status, 0, help.stderr);
      const flags = helpFlags(help.stdout);
      assert.ok(flags.includes('--help'), `no flags parsed from --help of ${command ?? 'mdctl'}`);
      for (const flag of flags) {
        const global = flag === '--help' || flag === '-h' || command === undefined;
        const where = global ? 'Global options' : [...sections.keys()].find((title) => new RegExp(`\\b${command}\\b`).test(title));
        assert.ok(where !== undefined, `no subsection of OPTIONS for ${command}`);
        assert.match(sections.get(where) ?? '', new RegExp(`^ {7}(?:-[\\w-]+, )?${flag}(?![\\w-])`, 'm'), `${flag} is not under "${where}"`);
        checked += 1;
      }
    }
    assert.ok(checked > 40, `only ${checked} flags checked`);
  });

  it('describes every command under COMMANDS', async () => {
    const text = await rendered();
    const commands = text.split(/^COMMANDS$/m)[1]?.split(/^OPTIONS$/m)[0] ?? '';
    for (const command of COMMANDS) assert.match(commands, new RegExp(`^ {7}${command.name}\\b`, 'm'), command.name);
  });

  it('lists every environment variable of the option table, and the colour and proxy ones', async () => {
    const environment = (await rendered()).split(/^ENVIRONMENT$/m)[1]?.split(/^FILES$/m)[0] ?? '';
    const variables = [...GLOBAL_OPTIONS.flatMap((o) => (o.env === undefined ? [] : [o.env])), 'NO_COLOR', 'TERM', 'HTTP_PROXY', 'http_proxy'];
    assert.ok(variables.includes('MDCTL_CONFIG'));
    for (const variable of variables) assert.match(environment, new RegExp(`\\b${variable}\\b`), variable);
  });

  it('gives every exit status of the Exit table and no other', async () => {
    const status = (await rendered()).split(/^EXIT STATUS$/m)[1]?.split(/^ENVIRONMENT$/m)[0] ?? '';
    const codes = [...status.matchAll(/^ {7}(\d+)\s/gm)].map((m) => Number(m[1]));
    assert.deepEqual(codes, Object.values(Exit));
  });

  it('lists the files mdctl reads and writes, with the cache modes', async () => {
    const files = (await rendered()).split(/^FILES$/m)[1]?.split(/^EXAMPLES$/m)[0] ?? '';
    for (const path of [
      '/run/mdctl/instance.json',
      '/run/mdctl/instance-sensitive.json',
      '/var/lib/mdctl',
      '/etc/mdctl/config.yaml',
      '/etc/systemd/system/mdctl.service',
      '/usr/lib/mdctl/mdctl.mjs',
      '/usr/bin/mdctl',
    ]) {
      assert.ok(files.includes(path), path);
    }
    assert.match(files, /instance\.json\s+The cached document[^\n]*0644/);
    assert.match(files, /instance-sensitive\.json\s+The sensitive keys, mode 0600/);
  });

  it('refers to the related pages', async () => {
    const seeAlso = (await rendered()).split(/^SEE ALSO$/m)[1] ?? '';
    for (const page of ['cloud-init(1)', 'ssh(1)', 'ip-route(8)', 'hostname(1)', 'systemd.service(5)']) assert.ok(seeAlso.includes(page), page);
  });
});
