// The supported cloud-config keys read and checked: hostname settings, keys, write_files (encodings, modes, owners, paths), runcmd.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ignoredKeys, readAuthorizedKeys, readHostname, readRuncmd, readWriteFiles } from '../../src/model/userdata/keys.js';
import { mergeCloudConfigs, parseCloudConfig } from '../../src/model/userdata/cloud-config.js';

const yaml = (text: string) => parseCloudConfig(Buffer.from(`#cloud-config\n${text}`));

test('hostname and fqdn are read as given, preserve_hostname is read, wrong types are problems', () => {
  assert.deepEqual(readHostname(yaml('hostname: web1\n')), { hostname: 'web1', fqdn: null, preserve: false, problems: [] });
  assert.deepEqual(readHostname(yaml('hostname: other\nfqdn: web1.example.org\n')), { hostname: 'other', fqdn: 'web1.example.org', preserve: false, problems: [] });
  assert.equal(readHostname(yaml('preserve_hostname: true\n')).preserve, true);
  assert.deepEqual(readHostname(yaml('hostname: 42\npreserve_hostname: "yes"\n')).problems, [
    'cloud-config hostname must be a non-empty string, not 42',
    'cloud-config preserve_hostname must be true or false, not "yes"',
  ]);
  assert.deepEqual(readHostname({}), { hostname: null, fqdn: null, preserve: false, problems: [] });
});

test('ssh_authorized_keys: strings are kept, anything else is a problem', () => {
  assert.deepEqual(readAuthorizedKeys(yaml('ssh_authorized_keys: [a, {b: 1}]\n')), { keys: ['a'], problems: ['cloud-config ssh_authorized_keys[1] must be a string, not {"b":1}'] });
  assert.deepEqual(readAuthorizedKeys(yaml('ssh_authorized_keys: one\n')).problems, ['cloud-config ssh_authorized_keys must be a list of keys']);
});

test('write_files: text, b64, gzip (!!binary), gz+b64, permissions, owner, append', () => {
  const gz = gzipSync('zipped\n');
  const config = yaml(
    [
      'write_files:',
      '  - path: /etc/plain',
      '    content: "héllo\\n"',
      '  - {path: /etc/b64, encoding: b64, content: aGk=, permissions: "0600", owner: "alice:staff"}',
      `  - {path: /etc/gz, encoding: gzip, content: !!binary ${gz.toString('base64')}, permissions: 0640}`,
      `  - {path: /etc/gzb64, encoding: gz+b64, content: ${gz.toString('base64')}, owner: bob, append: true}`,
      '  - {path: /etc/empty}',
    ].join('\n'),
  );
  const { files, problems } = readWriteFiles(config);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    files.map((file) => [file.path, file.content.toString('utf8'), file.mode.toString(8), file.user, file.group, file.append]),
    [
      ['/etc/plain', 'héllo\n', '644', 'root', 'root', false],
      ['/etc/b64', 'hi', '600', 'alice', 'staff', false],
      ['/etc/gz', 'zipped\n', '640', 'root', 'root', false],
      ['/etc/gzb64', 'zipped\n', '644', 'bob', null, true],
      ['/etc/empty', '', '644', 'root', 'root', false],
    ],
  );
});

test('write_files: each bad entry is refused alone, naming its index', () => {
  const config = yaml(
    [
      'write_files:',
      '  - {path: relative/file, content: x}',
      '  - {path: /etc/../../escape, content: x}',
      '  - {content: no path}',
      '  - {path: /etc/mode, permissions: "0999"}',
      '  - {path: /etc/owner, owner: "a:b:c"}',
      '  - {path: /etc/enc, encoding: rot13}',
      '  - {path: /etc/badb64, encoding: base64, content: "!!!"}',
      `  - {path: /etc/bomb, encoding: gz+b64, content: ${gzipSync(Buffer.alloc(17 * 1024 * 1024)).toString('base64')}}`,
      '  - {path: /etc/dir/, content: x}',
      '  - {path: /etc/ok, content: fine}',
      '  - not a mapping',
    ].join('\n'),
  );
  const { files, problems } = readWriteFiles(config);
  assert.deepEqual(files.map((file) => file.path), ['/etc/ok']);
  assert.deepEqual(problems, [
    'write_files[0]: path "relative/file" must be absolute',
    'write_files[1]: path "/etc/../../escape": ".." is not allowed',
    'write_files[2]: path is required',
    'write_files[3]: permissions "0999" is not an octal mode such as "0644"',
    'write_files[4]: owner "a:b:c" must be "user" or "user:group"',
    'write_files[5]: encoding "rot13" is not one of b64, base64, gz, gzip, gz+b64, gzip+base64, text/plain',
    'write_files[6]: content is not valid base64',
    'write_files[7]: gzip inflates to more than 16 MiB; refused',
    'write_files[8]: path "/etc/dir/" names a directory',
    'write_files[10]: must be a mapping with path and content',
  ]);
  assert.deepEqual(readWriteFiles(yaml('write_files: {path: /x}\n')).problems, ['cloud-config write_files must be a list']);
});

test('runcmd: a string runs with /bin/sh -c, a list is argv (numbers as strings); bad entries are problems', () => {
  const { commands, problems } = readRuncmd(yaml('runcmd:\n  - echo "$HOME" > /tmp/x\n  - [sleep, 1]\n  - []\n  - {a: b}\n'));
  assert.deepEqual(commands, [
    { index: 0, shell: 'echo "$HOME" > /tmp/x' },
    { index: 1, argv: ['sleep', '1'] },
  ]);
  assert.deepEqual(problems, ['runcmd[2] must be a command string or a non-empty list of strings, not []', 'runcmd[3] must be a command string or a non-empty list of strings, not {"a":"b"}']);
  assert.deepEqual(readRuncmd(yaml('runcmd: echo\n')).problems, ['cloud-config runcmd must be a list']);
});

test('ignored keys are every top-level key outside the subset; later parts replace earlier keys', () => {
  assert.deepEqual(ignoredKeys(yaml('packages: [git]\nhostname: a\nusers: []\nruncmd: []\n')), ['packages', 'users']);
  assert.deepEqual(mergeCloudConfigs([{ hostname: 'a', runcmd: ['x'] }, { runcmd: ['y'] }]), { hostname: 'a', runcmd: ['y'] });
});

test('a __proto__ key is an ignored key, never the merged config\'s prototype', () => {
  const merged = mergeCloudConfigs([yaml('hostname: a\n'), yaml('__proto__:\n  hostname: evil\n  runcmd: [reboot]\n')]);
  assert.equal(Object.getPrototypeOf(merged), Object.prototype);
  assert.equal(merged.hostname, 'a');
  assert.equal(merged.runcmd, undefined);
  assert.deepEqual(ignoredKeys(merged), ['__proto__']);
});

test('write_files permissions: 0644, "0644", 0o644 and "0o644" all mean 0644 (as cloud-init); a bare 644 is ambiguous and refused', () => {
  const modes = (spelling: string) => readWriteFiles(yaml(`write_files:\n  - {path: /etc/m, permissions: ${spelling}}\n`));
  for (const spelling of ['0644', "'0644'", '0o644', "'0o644'", '"644"']) {
    assert.deepEqual(modes(spelling).files.map((file) => file.mode.toString(8)), ['644'], spelling);
  }
  assert.equal(modes('0o600').files[0]?.mode, 0o600);
  assert.equal(modes('0O750').files[0]?.mode, 0o750);
  assert.equal(modes('384').files[0]?.mode, 0o600, 'a decimal integer no octal reading fits is decimal, as cloud-init reads it');
  for (const spelling of ['644', '420', '600']) {
    const { files, problems } = modes(spelling);
    assert.deepEqual(files, [], spelling);
    assert.match(problems[0] ?? '', new RegExp(`^write_files\\[0\\]: permissions ${spelling} is ambiguous`), spelling);
  }
  assert.match(modes('0o8').problems[0] ?? '', /is not an octal mode/);
});

test('leading-zero integers stay strings elsewhere in cloud-config; other integers are numbers', () => {
  assert.deepEqual(yaml('a: 0644\nb: 0o17\nc: 12\nd: 0x1f\ne: 0\n'), { a: '0644', b: '0o17', c: 12, d: 31, e: 0 });
});
