// Properties of the passwd and group parsers (system/passwd.ts): never throw, valid entries come back exactly, junk is skipped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isLoginUser, parseGroup, parsePasswd } from '../../src/system/passwd.js';
import { RUNS, hostileText, typed } from './typed.js';

const field = fc.string({ unit: fc.constantFrom('a', 'b', 'z', '0', '9', '_', '-', '.', ' ', 'é', '$', '/'), maxLength: 12 });
const name = fc.stringMatching(/^[a-z_][a-z0-9_-]{0,15}\$?$/);
const id = fc.integer({ min: 0, max: 4_294_967_294 });

const passwdEntry = fc.record({
  name,
  password: fc.constantFrom('x', '*', '!', ''),
  uid: id,
  gid: id,
  gecos: field.filter((text) => !text.includes(':')),
  home: fc.stringMatching(/^\/[a-z0-9/._-]{0,30}$/),
  shell: fc.constantFrom('/bin/bash', '/bin/sh', '/usr/sbin/nologin', '/bin/false', '', '/usr/bin/zsh'),
});

/** A line that is not a passwd entry: a comment, blank, or the wrong number of fields. */
const junkLine = fc.oneof(
  fc.constant(''),
  field.map((text) => `#${text}`),
  fc.array(field.filter((text) => !text.includes(':')), { minLength: 1, maxLength: 9 }).filter((parts) => parts.length !== 7).map((parts) => parts.join(':')),
);

test('parsePasswd and parseGroup never throw, whatever the text', () => {
  fc.assert(
    fc.property(hostileText, (text) => {
      for (const entry of typed(() => parsePasswd(text)) ?? []) {
        assert.ok(Number.isSafeInteger(entry.uid) && entry.uid >= 0);
        assert.ok(entry.home.startsWith('/'));
        assert.ok(!entry.name.includes('\n') && entry.name !== '');
      }
      for (const entry of typed(() => parseGroup(text)) ?? []) assert.ok(Number.isSafeInteger(entry.gid));
    }),
    RUNS,
  );
});

test('generated passwd entries among junk lines come back exactly, in order', () => {
  const line = fc.oneof(passwdEntry.map((entry) => ({ entry })), junkLine.map((junk) => ({ junk })));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 20 }), fc.boolean(), (lines, trailingNewline) => {
      const text = lines.map((l) => ('entry' in l ? [l.entry.name, l.entry.password, l.entry.uid, l.entry.gid, l.entry.gecos, l.entry.home, l.entry.shell].join(':') : l.junk)).join('\n');
      const parsed = parsePasswd(trailingNewline ? `${text}\n` : text);
      const expected = lines.flatMap((l) => ('entry' in l ? [l.entry] : []));
      assert.deepEqual(
        parsed,
        expected.map(({ name: n, uid, gid, home, shell }) => ({ name: n, uid, gid, home, shell })),
      );
      for (const entry of parsed) {
        assert.equal(isLoginUser(entry), entry.uid >= 1000 && entry.uid !== 65534 && entry.shell !== '' && !/(nologin|false)$/.test(entry.shell));
      }
    }),
    RUNS,
  );
});

test('generated group entries come back exactly', () => {
  const group = fc.record({ name, gid: id, members: fc.array(name, { maxLength: 4 }) });
  fc.assert(
    fc.property(fc.array(group, { maxLength: 12 }), (groups) => {
      const text = groups.map((g) => `${g.name}:x:${g.gid}:${g.members.join(',')}`).join('\n');
      assert.deepEqual(parseGroup(`${text}\n`), groups.map((g) => ({ ...g })));
    }),
    RUNS,
  );
});
