// Lists the exports of src/ that no other file of src/ or test/ uses, and fails when there is one: an export nobody imports is dead or should be local.
//
// Usage: node tools/dead-exports.mjs [ROOT]   (ROOT defaults to the repository; it must hold tsconfig.test.json)
import { resolve, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Exports used by name at run time, which no import shows: each command module's `run` (full.ts
 * imports `./commands/${name}.js`), and embedded.ts's `main`, which tools/bundle.mjs puts in
 * full.js's place in the single file.
 */
const USED_AT_RUN_TIME = [
  { file: /^src\/cli\/commands\/[^/]+\.ts$/, name: 'run' },
  { file: /^src\/cli\/embedded\.ts$/, name: 'main' },
];

function languageService(root) {
  const config = ts.getParsedCommandLineOfConfigFile(resolve(root, 'tsconfig.test.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  return ts.createLanguageService({
    getScriptFileNames: () => config.fileNames,
    getScriptVersion: () => '1',
    getScriptSnapshot: (file) => {
      const text = ts.sys.readFile(file);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => root,
    getCompilationSettings: () => config.options,
    getDefaultLibFileName: ts.getDefaultLibFilePath,
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
  });
}

/** "src/x.ts name" for every export of a src/ file that no other file refers to. */
export function deadExports(root) {
  const service = languageService(root);
  const program = service.getProgram();
  const checker = program.getTypeChecker();
  const dead = [];
  for (const source of program.getSourceFiles()) {
    const file = relative(root, source.fileName);
    const module = file.startsWith('src/') ? checker.getSymbolAtLocation(source) : undefined;
    if (module === undefined) continue;
    for (const symbol of checker.getExportsOfModule(module)) {
      if (USED_AT_RUN_TIME.some((use) => use.file.test(file) && use.name === symbol.name)) continue;
      const declaration = symbol.declarations?.[0];
      if (declaration === undefined) continue;
      const name = ts.getNameOfDeclaration(declaration) ?? declaration;
      const references = service.findReferences(declaration.getSourceFile().fileName, name.getStart()) ?? [];
      const elsewhere = references.some((entry) => entry.references.some((reference) => reference.fileName !== source.fileName));
      if (!elsewhere) dead.push(`${file} ${symbol.name}`);
    }
  }
  return dead.sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? fileURLToPath(new URL('../', import.meta.url)));
  const dead = deadExports(root);
  for (const entry of dead) console.error(`dead export: ${entry} (used by no other file: remove it, or drop "export")`);
  process.exitCode = dead.length === 0 ? 0 : 1;
}
