import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IoError, SpecError } from './errors';
import { isBundleRef } from './modes/bundles';
import type { TaskJSON } from './spec';

/**
 * Read a task or workflow JSON file, Girder Worker's `load`: a task with a `script_uri` and no
 * `script` gets the script from that URI (`file://` relative to the JSON file's folder, or http),
 * and workflows do the same for each step's task.
 */
export async function loadTask(path: string): Promise<TaskJSON> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new IoError(`Cannot read task file ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SpecError(`Task file ${path} is not valid JSON: ${(err as Error).message}`, { path }, { cause: err });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SpecError(`Task file ${path} must hold a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`, { path });
  }
  await Private.resolveScripts(json as TaskJSON, dirname(resolve(path)));
  return json as TaskJSON;
}

namespace Private {
  export async function resolveScripts(task: TaskJSON, base: string): Promise<void> {
    if (task.mode === 'workflow') {
      for (const step of (task.steps as Array<{ task?: TaskJSON }> | undefined) ?? []) {
        if (step && typeof step.task === 'object') await resolveScripts(step.task, base);
      }
      return;
    }
    // An exported task's bundle sits beside its spec.
    if (typeof task.module === 'string' && isBundleRef(task.module) && !isAbsolute(task.module)) task.module = resolve(base, task.module);
    if (typeof task.script_uri === 'string' && task.script === undefined) {
      task.script = await fetchUri(task.script_uri, base);
    }
  }

  async function fetchUri(uri: string, base: string): Promise<string> {
    if (uri.startsWith('file://')) {
      const rest = uri.slice('file://'.length);
      const path = rest.startsWith('/') ? fileURLToPath(uri) : resolve(base, rest);
      return readFile(path, 'utf8');
    }
    if (/^https?:\/\//.test(uri)) {
      const res = await fetch(uri);
      if (!res.ok) throw new IoError(`script_uri ${uri} answered ${res.status}`, { url: uri });
      return res.text();
    }
    return readFile(resolve(base, uri), 'utf8');
  }
}
