// The running hostname setter: hostnamectl only where asked (systemd and root "/"), else hostname(1); systemd detection.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Exec } from '../../src/system/exec.js';
import { hostnameSetter, systemdRunning } from '../../src/system/hostname.js';
import { makeRoot, removeRoots } from '../appliers/root.js';

after(removeRoots);

function recorder(): { exec: Exec; calls: string[][] } {
  const calls: string[][] = [];
  return { calls, exec: async (argv) => (calls.push([...argv]), { stdout: '', stderr: '' }) };
}

test('hostname(1) or hostnamectl set-hostname, as chosen', async () => {
  const plain = recorder();
  await hostnameSetter({ exec: plain.exec, hostnamectl: false }).set('web1');
  const systemd = recorder();
  await hostnameSetter({ exec: systemd.exec, hostnamectl: true }).set('web1');
  assert.deepEqual(plain.calls, [['hostname', 'web1']]);
  assert.deepEqual(systemd.calls, [['hostnamectl', 'set-hostname', 'web1']]);
  assert.equal(hostnameSetter({ hostnamectl: false }).current(), hostname());
});

test('systemd counts as running when its runtime directory exists', async () => {
  const root = makeRoot();
  assert.equal(await systemdRunning(join(root, 'run/systemd/system')), false);
  mkdirSync(join(root, 'run/systemd/system'), { recursive: true });
  assert.equal(await systemdRunning(join(root, 'run/systemd/system')), true);
});
