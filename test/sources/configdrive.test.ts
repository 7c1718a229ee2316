// Config drive: the same tree read from a directory, version negotiation by directory name, symlinks and size caps refused.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MdctlError, type ErrorCode } from '../../src/core/errors.js';
import { MAX_FILE_BYTES, readConfigDrive } from '../../src/sources/configdrive.js';
import { NOVA_FIXTURES } from '../helpers/emulator.js';

const work = mkdtempSync(join(tmpdir(), 'mdctl-configdrive-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

/** A config drive tree with the seed-static instance at the given versions. */
function drive(versions: string[]): string {
  const dir = join(work, `drive-${counter++}`);
  for (const version of versions) {
    const source = join(NOVA_FIXTURES, 'seed-static', 'openstack', version === 'latest' ? '2020-10-14' : version);
    cpSync(source, join(dir, 'openstack', version), { recursive: true });
    rmSync(join(dir, 'openstack', version, 'index.txt'));
  }
  return dir;
}

function rejectsWith(code: ErrorCode, pattern: RegExp) {
  return (error: unknown) => error instanceof MdctlError && error.code === code && pattern.test(error.message) && !error.message.includes('\n');
}

test('reads the newest known version and every wanted file but password', async () => {
  const dir = drive(['2012-08-10', '2016-06-30', '2020-10-14', 'latest']);
  mkdirSync(join(dir, 'openstack', '2031-01-01'));
  const raw = await readConfigDrive(dir);
  assert.equal(raw.kind, 'configdrive');
  assert.equal(raw.endpoint, dir);
  assert.equal(raw.version, '2020-10-14');
  assert.deepEqual(raw.files, ['meta_data.json', 'network_data.json', 'vendor_data.json', 'vendor_data2.json', 'user_data']);
  const root = join(NOVA_FIXTURES, 'seed-static', 'openstack', '2020-10-14');
  assert.deepEqual(raw.openstack?.meta_data, JSON.parse(readFileSync(join(root, 'meta_data.json'), 'utf8')));
  assert.deepEqual(raw.openstack?.network_data, JSON.parse(readFileSync(join(root, 'network_data.json'), 'utf8')));
  assert.deepEqual(raw.openstack?.vendor_data2, JSON.parse(readFileSync(join(root, 'vendor_data2.json'), 'utf8')));
  assert.deepEqual(raw.openstack?.user_data, readFileSync(join(root, 'user_data')));
  assert.ok(!raw.files.includes('password'));
});

test('an old version reads only the files it has; user_data absent is null', async () => {
  const dir = drive(['2013-10-17']);
  rmSync(join(dir, 'openstack', '2013-10-17', 'user_data'));
  const raw = await readConfigDrive(dir);
  assert.equal(raw.version, '2013-10-17');
  assert.deepEqual(raw.files, ['meta_data.json', 'vendor_data.json']);
  assert.equal(raw.openstack?.user_data, null);
  assert.equal(raw.openstack?.network_data, undefined);
});

test('only latest and unknown versions: latest', async () => {
  const dir = drive(['latest']);
  mkdirSync(join(dir, 'openstack', '2099-01-01'));
  assert.equal((await readConfigDrive(dir)).version, 'latest');
});

test('no meta_data.json is invalid metadata', async () => {
  const dir = drive(['2020-10-14']);
  rmSync(join(dir, 'openstack', '2020-10-14', 'meta_data.json'));
  await assert.rejects(readConfigDrive(dir), rejectsWith('ERR_INVALID_METADATA', /no meta_data\.json/));
});

test('malformed JSON in meta_data.json is invalid metadata; in an optional file, a problem naming the file', async () => {
  const dir = drive(['2020-10-14']);
  writeFileSync(join(dir, 'openstack', '2020-10-14', 'network_data.json'), '{"links": [');
  const raw = await readConfigDrive(dir);
  assert.equal(raw.openstack?.network_data, undefined);
  assert.equal(raw.openstack?.problems?.[0]?.file, 'network_data.json');
  assert.match(raw.openstack?.problems?.[0]?.reason ?? '', /network_data\.json.*malformed JSON/);
  writeFileSync(join(dir, 'openstack', '2020-10-14', 'meta_data.json'), '{"uuid": ');
  await assert.rejects(readConfigDrive(dir), rejectsWith('ERR_INVALID_METADATA', /meta_data\.json.*malformed JSON/));
});

test('a file over the cap is refused', async () => {
  const dir = drive(['2020-10-14']);
  writeFileSync(join(dir, 'openstack', '2020-10-14', 'user_data'), Buffer.alloc(MAX_FILE_BYTES + 1, 0x61));
  await assert.rejects(readConfigDrive(dir), rejectsWith('ERR_BODY_TOO_LARGE', /user_data.*over the 1048576-byte cap/));
});

test('a symlink in the tree is refused, never followed', async () => {
  const dir = drive(['2020-10-14']);
  const file = join(dir, 'openstack', '2020-10-14', 'vendor_data.json');
  rmSync(file);
  symlinkSync('/etc/passwd', file);
  await assert.rejects(readConfigDrive(dir), rejectsWith('ERR_BAD_CONTENT', /vendor_data\.json.*not a regular file/));
});

test('a symlinked version or openstack directory is refused, never followed off the drive', async () => {
  const outside = drive(['2020-10-14']);
  const dir = drive(['2012-08-10']);
  symlinkSync(join(outside, 'openstack', '2020-10-14'), join(dir, 'openstack', '2020-10-14'));
  await assert.rejects(readConfigDrive(dir), rejectsWith('ERR_BAD_CONTENT', /2020-10-14.*a symbolic link, not followed/));
  const linked = join(work, `linked-${counter++}`);
  mkdirSync(linked);
  symlinkSync(join(outside, 'openstack'), join(linked, 'openstack'));
  await assert.rejects(readConfigDrive(linked), rejectsWith('ERR_BAD_CONTENT', /openstack.*a symbolic link, not followed/));
});

test('a missing directory is a usage error; one without openstack/ is invalid', async () => {
  await assert.rejects(readConfigDrive(join(work, 'nope')), rejectsWith('ERR_USAGE', /no such directory/));
  const empty = join(work, 'empty');
  mkdirSync(empty);
  await assert.rejects(readConfigDrive(empty), rejectsWith('ERR_INVALID_METADATA', /no openstack directory/));
});
