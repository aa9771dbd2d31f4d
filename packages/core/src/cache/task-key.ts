/**
 * The part of a result's cache key that names the task: its spec and the identity of its code.
 * One function computes it wherever the task runs (in the kernel, on a thread, on a remote worker,
 * from an exported bundle), so the same task and inputs meet the same stored result everywhere.
 * The fields through which code travels (`function` and `scope` on the wire, `code_id`, `module`
 * and `frozen` in an exported bundle) are left out of the spec part: how the code got here does
 * not change what it computes, and its identity already says what the code is.
 */
import { createHash } from 'node:crypto';
import { taskToJSON } from '../spec';
import { readFile } from 'node:fs/promises';
import { hashValue } from './hash';
import type { IBinding, ITaskSpec, TaskJSON } from '../spec';

/** Fields of a task's JSON that carry its code (or how it was packaged), not what it declares. */
export const CODE_FIELDS = ['function', 'scope', 'code_id', 'frozen'] as const;

/** Fields that say how long and how often a task may run, not what it computes: left out of the key too. */
export const RUN_CONTROL_FIELDS = ['timeout', 'retries'] as const;

/**
 * The identity of a function task's code: a hash of its source and of the declarations it carries
 * from its notebook (`carryScope`'s prelude). An exported bundle records this hash as `code_id`.
 */
export function codeId(source: string, prelude: string | undefined): string {
  return createHash('sha256')
    .update(prelude ? `${prelude}\n${source}` : source)
    .digest('hex');
}

/** The code identity a task brought with it from elsewhere (the wire, an exported bundle), or undefined. */
export function carriedCodeId(task: ITaskSpec): string | undefined {
  const src = task.source;
  if (typeof src.code_id === 'string') return src.code_id;
  if (typeof src.function === 'string') return codeId(src.function, typeof src.scope === 'string' ? src.scope : undefined);
  return undefined;
}

/** The spec part of the cache key: the task's declared JSON without its code-carrying fields, and `code`. */
export function specKey(task: ITaskSpec, code: string): string {
  return createHash('sha256')
    .update(JSON.stringify(declaredJSON(task)))
    .update('\0')
    .update(code)
    .digest('hex');
}

/**
 * A result's content key: the spec part (`specKey`), every input's content (a `filepath` input's
 * file), and the output formats asked for. An input with no stable content (a live object) makes
 * the result uncacheable, and the answer says which.
 */
export async function resultKey(
  spec: string,
  task: ITaskSpec,
  values: Record<string, unknown>,
  outBindings: Record<string, IBinding>,
): Promise<string | { skip: string }> {
  const h = createHash('sha256').update(spec);
  for (const port of task.inputs) {
    h.update(`\0${port.id}\0`);
    const v = values[port.id];
    if (port.target === 'filepath') {
      h.update(await readFile(v as string).catch(() => Buffer.from(`missing:${String(v)}`)));
    } else if (!hashValue(v, h)) {
      return { skip: `input "${port.id}" holds a value with no stable content` };
    }
  }
  for (const port of task.outputs) h.update(`\0>${port.id}:${outBindings[port.id]?.format ?? port.format}`);
  return h.digest('hex');
}

/** A task's JSON as it was declared, without the fields through which its code travels (recursively for steps). */
export function declaredJSON(task: ITaskSpec): TaskJSON {
  const json = taskToJSON(task);
  strip(json);
  return json;
}

function strip(json: TaskJSON): void {
  const bundled = typeof json.code_id === 'string';
  for (const f of CODE_FIELDS) delete json[f];
  for (const f of RUN_CONTROL_FIELDS) delete json[f];
  // An exported task names its bundle file in `module`; where that file sits is not part of what it does.
  if (bundled) delete json.module;
  if (!Array.isArray(json.steps)) return;
  json.steps = (json.steps as Array<{ task?: TaskJSON }>).map((s) => {
    const step: Record<string, unknown> = { ...s };
    for (const f of RUN_CONTROL_FIELDS) delete step[f];
    if (s.task) strip(s.task);
    return step;
  });
}
