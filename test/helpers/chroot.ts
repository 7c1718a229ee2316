// A minimal root to chroot into: the named programs and the libraries ldd lists for them, copied from this system.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Copies each program (a path, or a name looked up with `which`) and its libraries to the same paths under root. */
export function copyPrograms(root: string, programs: readonly string[]): void {
  for (const program of programs) {
    const path = program.startsWith('/') ? program : execFileSync('which', [program], { encoding: 'utf8' }).trim();
    const libraries = execFileSync('ldd', [path], { encoding: 'utf8' }).match(/\/\S+/g) ?? [];
    for (const file of [path, ...libraries]) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      copyFileSync(file, join(root, file));
    }
  }
}
