/**
 * Girder Worker's directory tests: extract a zip and a tgz beside themselves, create a zip and a
 * tgz beside a directory. `<DATA_DIR>` is a fresh copy of `raw/tests/data` (the shared material is
 * read-only, and these conversions write next to their input).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import * as yauzl from 'yauzl';
import { assertOp, conformance, rawPath } from './harness';
import type { ICase } from './harness';
import { runCase } from './gw-run';

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'taskcell-directory-'));
  for (const name of ['testZip.zip', 'testTar.tar.gz', 'shapefile']) {
    cpSync(rawPath(join('raw', 'tests', 'data', name)), join(dataDir, name), { recursive: true });
  }
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

conformance('directory.json', async (c: ICase) => {
  const fill = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v).split('<DATA_DIR>').join(dataDir)) as T));
  const result = await runCase(c, fill(c.input as Record<string, unknown>));
  for (const a of c.assertions ?? []) {
    const value = fill(a.value);
    switch (a.target) {
      case 'set(outputs.files.data)':
        assertOp(result.outputs.files.data, a.op, value);
        break;
      case 'outputs.myDir.data':
      case 'outputs.output.data':
        assertOp(result.outputs[a.target.split('.')[1]].data, a.op, value);
        break;
      case 'zipfile namelist of that file':
        assertOp(await Private.zipNames(result.outputs.output.data as string), a.op, value);
        break;
      case 'tarfile getnames of that file':
        assertOp(await Private.tarNames(result.outputs.output.data as string), a.op, value);
        break;
      default: {
        // `isdir(<DATA_DIR>/x) and contains site.retry, provision.retry`
        const m = /^isdir\((.+)\) and contains (.+)$/.exec(fill(a.target));
        if (!m) throw new Error(`directory.spec: no check for assertion target ${JSON.stringify(a.target)}`);
        const names = m[2].split(', ');
        assertOp(existsSync(m[1]) && statSync(m[1]).isDirectory() && names.every((n) => readdirSync(m[1]).includes(n)), a.op, a.value);
      }
    }
  }
});

namespace Private {
  export async function zipNames(file: string): Promise<string[]> {
    const zip = await yauzl.openPromise(file);
    const names: string[] = [];
    for await (const entry of zip.eachEntry()) names.push(entry.fileName);
    return names;
  }

  export async function tarNames(file: string): Promise<string[]> {
    const names: string[] = [];
    await tar.t({ file, onReadEntry: (e) => names.push(e.path.replace(/\/$/, '')) });
    return names;
  }
}
