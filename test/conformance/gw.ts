/**
 * Turning Girder Worker cases into taskcell calls: python-mode tasks run as javascript with the
 * case's `script_equivalent` (python mode is its own issue), and Python-specific wording in
 * expected error messages is read as the JavaScript equivalent.
 */
import type { ICase, ICaseFile } from './harness';

type Json = Record<string, unknown>;

/** A map from each Python script in a case file to its JavaScript equivalent. */
export function scriptEquivalents(file: ICaseFile): Map<string, string> {
  const map = new Map<string, string>();
  const fixtures = (file.fixtures ?? {}) as Record<string, Json>;
  for (const c of file.cases) {
    const eq = c.script_equivalent;
    if (typeof eq === 'string' && typeof c.task?.script === 'string') map.set(c.task.script, eq);
    if (eq && typeof eq === 'object') {
      for (const [name, js] of Object.entries(eq)) {
        const script = fixtures[name]?.script;
        if (typeof script === 'string') map.set(script, js);
      }
    }
  }
  return map;
}

/** The task with every python step made a javascript step running the equivalent script (or the script itself, when it is valid JavaScript as written). */
export function asJavascript(task: Json, equivalents: Map<string, string>): Json {
  const out: Json = { ...task };
  if ((task.mode ?? 'python') === 'python') {
    out.mode = 'javascript';
    if (typeof task.script === 'string') out.script = equivalents.get(task.script) ?? task.script;
    else out.script = '';
  }
  if (Array.isArray(task.steps)) {
    out.steps = (task.steps as Json[]).map((s) => ({ ...s, task: s.task ? asJavascript(s.task as Json, equivalents) : s.task }));
  }
  return out;
}

/** An expected-error regex with Python's type wording (`(Python type "<type 'str'>")`) accepting taskcell's (`(string "2")`). */
export function errorPattern(c: ICase): RegExp {
  const src = c.expected_error!.match.replace(/\\\(Python type "<type '[a-z]+'>"\\\)/g, '\\(.*?\\)');
  return new RegExp(src);
}
