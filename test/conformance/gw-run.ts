/**
 * Girder Worker `run` cases through taskcell's `run()`: python-mode tasks become javascript tasks
 * running the case's `script_equivalent` (python mode is a later issue), and Girder Worker's error
 * wording is read as the taskcell error that carries the same facts.
 */
import { ConversionError, MissingInputError, UnknownFormatError, run } from '@taskcell/core';
import type { IBinding, IResult, TaskcellError } from '@taskcell/core';
import type { ICase } from './harness';
import { asJavascript } from './gw';

type Json = Record<string, unknown>;

/** The case's task as a javascript task: the script is the case's `script_equivalent`, or its script when that is valid JavaScript as written. */
export function javascriptTask(c: ICase): Json {
  const task = c.task as Json;
  const equivalents = new Map<string, string>();
  if (typeof c.script_equivalent === 'string' && typeof task.script === 'string') equivalents.set(task.script, c.script_equivalent);
  return asJavascript(task, equivalents);
}

/** How a case's python script runs: as its JavaScript equivalent, or as written, in python mode. */
export type ScriptLanguage = 'javascript' | 'python';

/** Run the case (its task, inputs and output bindings), out of the result cache. */
export function runCase(
  c: ICase,
  inputs: Json = c.input as Json,
  outputs = (c.outputs ?? {}) as Record<string, IBinding>,
  language: ScriptLanguage = 'javascript',
): Promise<IResult> {
  const task = language === 'python' ? (c.task as Json) : javascriptTask(c);
  return Object.keys(outputs).length ? run(task, inputs, outputs, { cache: false }) : run(task, inputs, { cache: false });
}

/** Check a run's outputs against the case's `expected` (`{port: {format, data}}`). */
export function expectOutputs(result: IResult, expected: Json): void {
  for (const [port, want] of Object.entries(expected)) {
    const got = result.outputs[port];
    expect({ port, format: got?.format, data: got?.data }).toEqual({ port, ...(want as Json) });
  }
}

/**
 * What a Girder Worker error message means in taskcell: the error class, the pattern its message
 * must match, and the port it must name. Girder Worker's messages are Python's; taskcell's say the
 * same thing in its own words (`Required input 'b' not provided.` is a MissingInputError
 * `Required input "b" ...`).
 */
export interface ITranslatedError {
  ctor: abstract new (...args: never[]) => TaskcellError;
  pattern: RegExp;
  port?: string;
}

/** Translate an `expected_error.match` of Girder Worker into what taskcell throws. Throws when the wording is not one this table knows. */
export function translateError(match: string): ITranslatedError {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let m = /^\^?Required input '([^']+)' not provided\.?\$?$/.exec(match.replace(/\\\./g, '.'));
  if (m) return { ctor: MissingInputError, pattern: new RegExp(`^Required input "${esc(m[1])}"`), port: m[1] };
  m = /^(?:(\w+): )?No such validator ([^/]+)\/(.+)$/.exec(match);
  if (m) {
    const [, port, type, format] = m;
    const what = `(Unknown format "${esc(type)}\\.${esc(format)}"|Unknown type "${esc(type)}")`;
    return { ctor: UnknownFormatError, pattern: new RegExp(port ? `Input "${esc(port)}".*${what}` : what), port };
  }
  m = /^(?:(\w+): )?No conversion path from ([^/]+)\/(\S+) to ([^/]+)\/(\S+)$/.exec(match);
  if (m) {
    const [, port, type, from, , to] = m;
    return {
      ctor: ConversionError,
      pattern: new RegExp(`No converter path for type "${esc(type)}" from format "${esc(from)}" to "${esc(to)}"`),
      port,
    };
  }
  throw new Error(`translateError: no taskcell reading of Girder Worker's error ${JSON.stringify(match)}`);
}

/** Expect the promise to reject (or the function to throw) with the taskcell reading of Girder Worker's error. */
export async function expectGwError(action: Promise<unknown> | (() => unknown), match: string): Promise<TaskcellError> {
  const want = translateError(match);
  let error: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(want.ctor);
  const e = error as TaskcellError;
  expect(e.message).toMatch(want.pattern);
  if (want.port !== undefined) expect(e.context.port).toBe(want.port);
  return e;
}

/** The whole check of a `run` case: the expected error, or the expected outputs. */
export async function checkRunCase(c: ICase, language: ScriptLanguage = 'javascript'): Promise<void> {
  if (c.expected_error) {
    await expectGwError(runCase(c, undefined, undefined, language), c.expected_error.match);
    return;
  }
  expectOutputs(await runCase(c, undefined, undefined, language), c.expected as Json);
}
