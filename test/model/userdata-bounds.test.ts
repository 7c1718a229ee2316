// User-data that is small on the wire but asks for unbounded work: millions of empty MIME parts, parts right at the bound, nesting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseUserData } from '../../src/model/userdata/parse.js';
import { MAX_INFLATED_BYTES, MAX_PARTS, MAX_USER_DATA_BYTES } from '../../src/model/userdata/types.js';
import { manyParts } from './userdata-bombs.js';


test('millions of empty MIME parts in a few KiB of gzip: refused as a whole, one part, no inflation past the budget', () => {
  const count = Math.floor(MAX_INFLATED_BYTES / 5) - 100;
  const bomb = gzipSync(manyParts(count), { level: 9 });
  assert.ok(bomb.length < MAX_USER_DATA_BYTES, `${bomb.length} bytes of gzip fit under Nova's limit`);
  const before = process.memoryUsage().rss;
  const result = parseUserData(bomb);
  assert.deepEqual(result.errors, [`part 0 (binary): user-data has more than ${MAX_PARTS} parts; refused`]);
  assert.equal(result.parts.length, 1);
  assert.ok(process.memoryUsage().rss - before < 512 * 1024 * 1024, 'memory stays bounded');
});

test(`exactly ${MAX_PARTS} parts are read; one more is refused`, () => {
  const at = parseUserData(manyParts(MAX_PARTS, 'Content-Type: text/plain\n\nhello'));
  assert.equal(at.parts.length, MAX_PARTS);
  assert.deepEqual(at.errors, []);
  const over = parseUserData(manyParts(MAX_PARTS + 1, 'Content-Type: text/plain\n\nhello'));
  assert.deepEqual(over.errors, [`part 0 (multipart): user-data has more than ${MAX_PARTS} parts; refused`]);
});

test('parts of nested multiparts count together against the bound', () => {
  const inner = manyParts(MAX_PARTS / 2 + 1, 'Content-Type: text/plain\n\nx').toString();
  const [head, ...body] = inner.split('\n\n');
  const outer = `Content-Type: multipart/mixed; boundary=o\n\n--o\n${head}\n\n${body.join('\n\n')}\n--o\n${head}\n\n${body.join('\n\n')}\n--o--\n`;
  assert.match(parseUserData(Buffer.from(outer)).errors.join(), new RegExp(`more than ${MAX_PARTS} parts; refused`));
});

test('empty parts that are each malformed give one refusal, not one error per part', () => {
  const result = parseUserData(manyParts(10_000));
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0] ?? '', /more than 1000 parts; refused/);
});
