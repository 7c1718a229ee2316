// passwd and group parsing against careless images: CRLF lines, comments, NIS lines, duplicates, ids out of range.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoginUser, parseGroup, parsePasswd } from '../../src/system/passwd.js';

test('CRLF lines parse like LF lines: a nologin shell stays a nologin shell', () => {
  const entries = parsePasswd('root:x:0:0::/root:/bin/bash\r\nsvc:x:1001:1001::/srv:/usr/sbin/nologin\r\nalice:x:1002:1002::/home/alice:/bin/bash\r\n');
  assert.deepEqual(
    entries.map((entry) => [entry.name, entry.shell]),
    [
      ['root', '/bin/bash'],
      ['svc', '/usr/sbin/nologin'],
      ['alice', '/bin/bash'],
    ],
  );
  assert.deepEqual(
    entries.filter(isLoginUser).map((entry) => entry.name),
    ['alice'],
  );
  assert.deepEqual(parseGroup('root:x:0:\r\nwheel:x:10:alice,bob\r\n').at(-1)?.members, ['alice', 'bob']);
});

test('comments, NIS "+"/"-" lines and ids beyond 32 bits (or the -1 "no change" id) are skipped; the first of duplicate names wins', () => {
  const entries = parsePasswd(
    [
      '# comment:x:1000:1000::/home/c:/bin/sh',
      '+::::::',
      '+alice::::::',
      '-bob::::::',
      'big:x:4294967295:1000::/home/big:/bin/sh',
      'huge:x:9999999999:1000::/home/huge:/bin/sh',
      'gbig:x:1000:4294967295::/home/gbig:/bin/sh',
      'dup:x:1003:1003::/home/first:/bin/sh',
      'dup:x:1004:1004::/home/second:/bin/sh',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    entries.map((entry) => `${entry.name}:${entry.home}`),
    ['dup:/home/first', 'dup:/home/second'],
  );
  assert.deepEqual(parseGroup('g:x:4294967295:\nok:x:4294967294:\n').map((group) => group.name), ['ok']);
});
