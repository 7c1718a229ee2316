// Imports an ES module named at run time (a plugin applier); the single-file build puts its own import() in this module's place.
export function importModule(specifier: string): Promise<unknown> {
  return import(specifier);
}
