// User-data parsing: every format, gzip whole and per part, nested multipart, limits (size, zip bomb, alias bomb) and malformed input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseUserData, partInfos, userDataBytes } from '../../src/model/userdata/parse.js';
import { MAX_USER_DATA_BYTES } from '../../src/model/userdata/types.js';

const parse = (text: string | Buffer) => parseUserData(typeof text === 'string' ? Buffer.from(text) : text);

function mime(parts: { headers: string[]; body: string }[], boundary = '==BOUNDARY==', close = true): string {
  const lines = ['Content-Type: multipart/mixed; boundary="' + boundary + '"', 'MIME-Version: 1.0', '', 'preamble is ignored'];
  for (const part of parts) lines.push(`--${boundary}`, ...part.headers, '', part.body);
  if (close) lines.push(`--${boundary}--`, 'epilogue is ignored');
  return lines.join('\r\n');
}

test('no user-data and empty user-data have no parts and no errors', () => {
  assert.deepEqual(parseUserData(null), { size: 0, parts: [], errors: [] });
  assert.deepEqual(parse(''), { size: 0, parts: [], errors: [] });
});

test('#cloud-config is one part with its parsed mapping', () => {
  const result = parse('#cloud-config\nhostname: web1\nruncmd:\n  - [touch, /tmp/x]\n');
  assert.deepEqual(result.errors, []);
  assert.deepEqual(partInfos(result), [{ index: 0, type: 'cloud-config', content_type: 'text/cloud-config', size: 57 }]);
  assert.deepEqual(result.parts[0]?.cloudConfig, { hostname: 'web1', runcmd: [['touch', '/tmp/x']] });
});

test('an empty #cloud-config is an empty mapping; merge keys and !!binary work', () => {
  assert.deepEqual(parse('#cloud-config\n').parts[0]?.cloudConfig, {});
  const config = parse('#cloud-config\nbase: &b {a: 1}\nx:\n  <<: *b\n  c: 2\nblob: !!binary aGk=\n').parts[0]?.cloudConfig;
  assert.deepEqual(config?.x, { a: 1, c: 2 });
  assert.deepEqual(Buffer.from(config?.blob as Uint8Array).toString(), 'hi');
});

test('a "#!" script is one script part; its bytes are kept', () => {
  const result = parse('#!/bin/bash\necho hello\n');
  assert.deepEqual(partInfos(result), [{ index: 0, type: 'script', content_type: 'text/x-shellscript', size: 23 }]);
  assert.equal(result.parts[0]?.body.toString(), '#!/bin/bash\necho hello\n');
});

test('unsupported formats are kept and typed, never errors', () => {
  const cases: [string, string, string][] = [
    ['#include\nhttp://example.invalid/x\n', 'include', 'text/x-include-url'],
    ['#include-once\nhttp://example.invalid/x\n', 'include', 'text/x-include-once-url'],
    ['#cloud-boothook\n#!/bin/sh\necho\n', 'boothook', 'text/cloud-boothook'],
    ['#part-handler\ndef list_types(): pass\n', 'part-handler', 'text/part-handler'],
    ['#cloud-config-archive\n- type: text/x-shellscript\n', 'cloud-config-archive', 'text/cloud-config-archive'],
    ['## template: jinja\n#cloud-config\n', 'jinja', 'text/jinja2'],
    ['just some words for my app\n', 'text', 'text/plain'],
  ];
  for (const [text, type, contentType] of cases) {
    const result = parse(text);
    assert.deepEqual(result.errors, [], text);
    assert.equal(result.parts[0]?.type, type, text);
    assert.equal(result.parts[0]?.content_type, contentType, text);
  }
});

test('binary user-data is kept as binary, not an error', () => {
  const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x23, 0x21]);
  const result = parse(bytes);
  assert.deepEqual(partInfos(result), [{ index: 0, type: 'binary', content_type: 'application/octet-stream', size: 6 }]);
  assert.deepEqual(result.errors, []);
  assert.ok(result.parts[0]?.body.equals(bytes));
});

test('userDataBytes decodes base64 user_data and keeps text as UTF-8', () => {
  assert.equal(userDataBytes({ user_data: null }), null);
  assert.equal(userDataBytes({ user_data: 'héllo' })?.toString('utf8'), 'héllo');
  assert.deepEqual([...(userDataBytes({ user_data: 'H4sI', user_data_encoding: 'base64' }) ?? [])], [0x1f, 0x8b, 0x08]);
});

test('gzip of the whole user-data is inflated and detected', () => {
  const result = parse(gzipSync('#cloud-config\nhostname: zipped\n'));
  assert.deepEqual(partInfos(result), [{ index: 0, type: 'cloud-config', content_type: 'text/cloud-config', size: 31, gzip: true }]);
  assert.deepEqual(result.parts[0]?.cloudConfig, { hostname: 'zipped' });
});

test('multipart: cloud-config, a gzip+base64 script, a quoted-printable script, a nested multipart, filenames', () => {
  const nested = mime([{ headers: ['Content-Type: text/x-include-url'], body: 'http://example.invalid/' }], 'inner');
  const text = mime([
    { headers: ['Content-Type: text/cloud-config; charset="us-ascii"', 'Content-Transfer-Encoding: 7bit', 'Content-Disposition: attachment; filename="config.yaml"'], body: '#cloud-config\nhostname: multi' },
    { headers: ['Content-Type: text/x-shellscript', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment;', ' filename="zipped.sh"'], body: gzipSync('#!/bin/sh\necho zipped\n').toString('base64') },
    { headers: ['Content-Type: text/x-shellscript', 'Content-Transfer-Encoding: quoted-printable'], body: '#!/bin/sh\necho caf=C3=A9 =\nsoft' },
    { headers: ['Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64'], body: gzipSync('#!/bin/sh\necho detected\n').toString('base64') },
    { headers: [nested.split('\r\n')[0] ?? ''], body: nested.split('\r\n').slice(3).join('\r\n') },
  ]);
  const result = parse(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(partInfos(result), [
    { index: 0, type: 'cloud-config', content_type: 'text/cloud-config', filename: 'config.yaml', size: 29 },
    { index: 1, type: 'script', content_type: 'text/x-shellscript', filename: 'zipped.sh', size: 22, gzip: true },
    { index: 2, type: 'script', content_type: 'text/x-shellscript', size: 25 },
    { index: 3, type: 'script', content_type: 'text/x-shellscript', size: 24, gzip: true },
    { index: 4, type: 'include', content_type: 'text/x-include-url', size: 23 },
  ]);
  assert.equal(result.parts[2]?.body.toString('utf8'), '#!/bin/sh\necho café soft');
  assert.deepEqual(result.parts[0]?.cloudConfig, { hostname: 'multi' });
});

test('a gzipped MIME message is inflated, then split', () => {
  const text = mime([{ headers: ['Content-Type: text/x-shellscript'], body: '#!/bin/sh\ntrue' }]);
  const result = parse(gzipSync(text));
  assert.deepEqual(result.errors, []);
  assert.deepEqual(partInfos(result), [{ index: 0, type: 'script', content_type: 'text/x-shellscript', size: 14, gzip: true }]);
});

test('a zip bomb (20 MiB of zeros) is refused without inflating it, whole or as a part', () => {
  const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024));
  assert.ok(bomb.length < MAX_USER_DATA_BYTES, 'the bomb fits under Nova\'s limit');
  const whole = parse(bomb);
  assert.deepEqual(whole.errors, ['part 0 (binary): gzip inflates to more than 16 MiB; refused']);
  assert.equal(whole.parts[0]?.gzip, true);
  const asPart = parse(mime([{ headers: ['Content-Type: text/x-shellscript', 'Content-Transfer-Encoding: base64'], body: bomb.toString('base64') }]));
  assert.match(asPart.errors.join(), /gzip inflates to more than 16 MiB; refused/);
});

test('the 16 MiB budget is shared by every part', () => {
  const six = gzipSync(Buffer.concat([Buffer.from('#!/bin/sh\n'), Buffer.alloc(6 * 1024 * 1024, 0x23)])).toString('base64');
  const part = { headers: ['Content-Type: text/x-shellscript', 'Content-Transfer-Encoding: base64'], body: six };
  const result = parse(mime([part, part, part]));
  assert.equal(result.parts.length, 3);
  assert.deepEqual(result.errors, ['part 2 (binary): gzip inflates to more than 16 MiB; refused']);
});

test("user-data over Nova's 65535 bytes is refused; exactly 65535 is read", () => {
  const at = Buffer.concat([Buffer.from('#!/bin/sh\n'), Buffer.alloc(MAX_USER_DATA_BYTES - 10, 0x23)]);
  assert.deepEqual(parse(at).errors, []);
  const over = Buffer.concat([at, Buffer.from('#')]);
  assert.deepEqual(parse(over).errors, ["part 0 (script): user-data is 65536 bytes, over Nova's limit of 65535; refused"]);
});

test('malformed YAML, a list, custom tags, duplicate keys and an alias bomb are errors naming the place, not the text', () => {
  assert.deepEqual(parse('#cloud-config\nruncmd: [\n').errors, ['part 0 (cloud-config): malformed YAML: unexpected end of the stream within a flow collection at line 3, column 1']);
  assert.deepEqual(parse('#cloud-config\n- a\n').errors, ['part 0 (cloud-config): cloud-config must be a mapping of keys, not a list']);
  assert.match(parse('#cloud-config\nx: !!js/function "function () {}"\n').errors[0] ?? '', /malformed YAML: unknown tag .*js\/function/);
  assert.match(parse('#cloud-config\nx: !custom 1\n').errors[0] ?? '', /malformed YAML: unknown tag/);
  assert.match(parse('#cloud-config\na: 1\na: 2\n').errors[0] ?? '', /malformed YAML: duplicated mapping key at line 3/);
  const laughs = ['#cloud-config', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (const [index, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) {
    const previous = index === 0 ? 'a' : ['b', 'c', 'd', 'e', 'f'][index - 1];
    laughs.push(`${name}: &${name} [*${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}]`);
  }
  assert.deepEqual(parse(laughs.join('\n')).errors, ['part 0 (cloud-config): cloud-config holds more than 100000 values once aliases are expanded; refused']);
  assert.match(parse(Buffer.from([...Buffer.from('#cloud-config\na: '), 0xff, 0xfe])).errors[0] ?? '', /not valid UTF-8/);
});

test('malformed MIME is an error: no closing boundary, no boundary, boundary absent, bad header, bad base64, unknown encoding', () => {
  const script = { headers: ['Content-Type: text/x-shellscript'], body: '#!/bin/sh\ntrue' };
  assert.match(parse(mime([script], 'b', false)).errors.join(), /malformed MIME: no closing boundary "--b--" \(truncated\?\)/);
  assert.match(parse('Content-Type: multipart/mixed\nMIME-Version: 1.0\n\n--x\n\n#!/bin/sh\n--x--\n').errors.join(), /multipart without a boundary parameter/);
  assert.match(parse('Content-Type: multipart/mixed; boundary=zz\n\n--x\n\nbody\n--x--\n').errors.join(), /boundary "zz" not found/);
  assert.match(parse(mime([{ headers: ['this is not a header'], body: 'x' }])).errors.join(), /malformed MIME part: bad header line/);
  assert.match(parse(mime([{ headers: ['Content-Type: text/x-shellscript', 'Content-Transfer-Encoding: base64'], body: '#!/bin/sh' }])).errors.join(), /bad base64/);
  assert.match(parse(mime([{ headers: ['Content-Type: text/x-shellscript', 'Content-Transfer-Encoding: x-uuencode'], body: 'x' }])).errors.join(), /unknown Content-Transfer-Encoding "x-uuencode"/);
  assert.match(parse('Content-Type: multipart/mixed; boundary="unterminated\n\n').errors.join(), /malformed MIME: unterminated quoted string/);
  assert.match(parse(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3])).errors.join(), /gzip data is corrupt/);
});

test('a script part without "#!" is an error; a single-part MIME message is read by its type', () => {
  const noShebang = mime([{ headers: ['Content-Type: text/x-shellscript'], body: 'echo no shebang' }]);
  assert.deepEqual(parse(noShebang).errors, ['part 0 (script): a script part must start with "#!" (it is run directly)']);
  const single = parse('MIME-Version: 1.0\nContent-Type: text/cloud-config\n\n#cloud-config\nhostname: one\n');
  assert.deepEqual(single.errors, []);
  assert.deepEqual(single.parts[0]?.cloudConfig, { hostname: 'one' });
});

test('multipart nested too deep is refused', () => {
  let text = mime([{ headers: ['Content-Type: text/x-shellscript'], body: '#!/bin/sh' }], 'b0');
  for (let depth = 1; depth <= 6; depth += 1) {
    const [head, ...rest] = text.split('\r\n');
    text = mime([{ headers: [head ?? ''], body: rest.slice(2).join('\r\n') }], `b${depth}`);
  }
  assert.match(parse(text).errors.join(), /multipart nested more than 4 deep/);
});
