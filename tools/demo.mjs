// `npm run demo`: starts the emulator on loopback with the bundled dvr3-demo12 instance and runs mdctl against it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/mdctl.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'mdctl-demo-'));
const cache = join(work, 'cache');
const state = join(work, 'state');
const root = join(work, 'root');

function startEmulator() {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      buffered += chunk;
      const url = /https?:\/\/\S+/.exec(buffered);
      if (url) resolve({ child, url: url[0] });
    });
    child.on('exit', (code) => reject(new Error(`mdctl serve exited with ${code}`)));
  });
}

function step(title, args) {
  process.stdout.write(`\n$ mdctl ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit' });
  if (result.status !== 0 && title !== 'optional') {
    throw new Error(`mdctl ${args[0]} exited with ${result.status}`);
  }
}

// A scratch image root: one login user, so the plan has somewhere to put the keys.
mkdirSync(join(root, 'etc'), { recursive: true });
mkdirSync(join(root, 'home', 'ubuntu'), { recursive: true });
writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/bash\nubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n');
writeFileSync(join(root, 'etc', 'hostname'), 'localhost\n');
writeFileSync(join(root, 'etc', 'hosts'), '127.0.0.1 localhost\n');

const { child, url } = await startEmulator();
process.stdout.write(`emulator serving the bundled dvr3-demo12 instance at ${url}\n`);
const common = ['--endpoint', url, '--cache-dir', cache, '--state-dir', state];
try {
  step('fetch', [...common, 'fetch']);
  step('get', [...common, 'get', 'hostname']);
  step('get', [...common, 'get', 'routes', '--json']);
  step('boot', [...common, 'boot', '--dry-run', '--root', root, '--no-live']);
} finally {
  child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
