/**
 * A hook in TypeScript's `createSourceFile`, which the compiler's own code calls for every file it
 * parses (so it cannot be wrapped from outside): the snapshot build (snapshot.ts) rewrites the
 * function in the bundled compiler to ask `globalThis[SOURCE_FILE_HOOK]`, when set, for the file.
 */

/** Where the hook is looked up. */
export const SOURCE_FILE_HOOK = Symbol.for('taskcell.createSourceFile');

/** The hook: gets createSourceFile's arguments and the original function (`parse`), and returns the file. */
export type CreateSourceFile<F> = (
  fileName: string,
  text: string,
  version: number | { languageVersion: number; impliedNodeFormat?: number },
  setParentNodes: boolean | undefined,
  scriptKind: number | undefined,
  parse: (fileName: string, text: string, version: unknown, setParentNodes: boolean | undefined, scriptKind: number | undefined) => F,
) => F;

/** The first line of createSourceFile in TypeScript 5's compiler. */
const HEAD = 'function createSourceFile(fileName, sourceText, languageVersionOrOptions, setParentNodes = false, scriptKind) {';

/**
 * The compiler's source with createSourceFile asking the hook; throws when the function is not
 * found exactly once (another TypeScript than the one this was written for).
 */
export function hookCreateSourceFile(source: string): string {
  const parts = source.split(HEAD);
  if (parts.length !== 2) {
    throw new Error(`expected createSourceFile's definition once in the compiler's source, found it ${parts.length - 1} times`);
  }
  const wrapper = [
    'function createSourceFile(fileName, sourceText, languageVersionOrOptions, setParentNodes = false, scriptKind) {',
    `  const hook = globalThis[Symbol.for(${JSON.stringify(SOURCE_FILE_HOOK.description)})];`,
    '  return hook',
    '    ? hook(fileName, sourceText, languageVersionOrOptions, setParentNodes, scriptKind, createSourceFileUnhooked)',
    '    : createSourceFileUnhooked(fileName, sourceText, languageVersionOrOptions, setParentNodes, scriptKind);',
    '}',
    HEAD.replace('createSourceFile(', 'createSourceFileUnhooked('),
  ].join('\n');
  return parts[0] + wrapper + parts[1];
}
