/**
 * papermill on taskcell notebooks: the project venv's papermill, with the taskcell wheel's
 * TypeScript translator (installed by `npm test`), runs examples/parameters.ipynb on this
 * checkout's kernel from an empty folder. The injected cell declares typed literals, the cells
 * after it are type-checked against them, and a parameter of the wrong type is a compile error.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installKernelSpec } from '../../kernel/src/jupyter/kernelspec';
import { ROOT, VENV } from '../e2e/jupyterlab';

jest.setTimeout(180_000);

interface ICell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: { output_type: string; text?: string | string[]; ename?: string; evalue?: string }[];
}

const dir = mkdtempSync(join(tmpdir(), 'taskcell-papermill-'));
const work = join(dir, 'work');
const env = {
  ...process.env,
  PATH: `${join(VENV, 'bin')}:${process.env.PATH ?? ''}`,
  JUPYTER_PATH: join(dir, 'share'),
  JUPYTER_RUNTIME_DIR: join(dir, 'runtime'),
  JUPYTER_PLATFORM_DIRS: '1',
};

beforeAll(() => {
  if (!existsSync(join(VENV, 'bin', 'papermill'))) throw new Error(`${VENV}/bin/papermill is missing: run \`npm test\`, which installs it`);
  installKernelSpec(join(dir, 'share', 'kernels'));
  mkdirSync(work, { recursive: true });
  copyFileSync(join(ROOT, 'examples', 'parameters.ipynb'), join(work, 'parameters.ipynb'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function papermill(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(join(VENV, 'bin', 'papermill'), args, { cwd: work, env, encoding: 'utf8', timeout: 150_000 });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

const text = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : (s ?? ''));
const cells = (name: string): ICell[] => (JSON.parse(readFileSync(join(work, name), 'utf8')) as { cells: ICell[] }).cells;

test('papermill -p and -y inject typed declarations after the parameters cell, and the notebook runs with them', () => {
  const r = papermill([
    'parameters.ipynb',
    'out.ipynb',
    '-k',
    'taskcell',
    '-p',
    'n',
    '5',
    '-p',
    'label',
    'cubes "quoted"',
    '-y',
    '{weights: [2, 0.5], options: {scale: 10, title: batch}}',
  ]);
  if (r.status !== 0) throw new Error(r.output);
  const out = cells('out.ipynb');
  const at = out.findIndex((c) => c.metadata.tags?.includes('parameters'));
  const injected = out[at + 1];
  expect(injected.metadata.tags).toEqual(['injected-parameters']);
  expect(text(injected.source).split('\n').sort()).toEqual(
    [
      '// Parameters',
      'const weights = [2, 0.5];',
      'const options = { "scale": 10, "title": "batch" };',
      'const n = 5;',
      'const label = "cubes \\"quoted\\"";',
      '',
    ].sort(),
  );
  for (const c of out) expect(c.outputs?.filter((o) => o.output_type === 'error') ?? []).toEqual([]);
  const printed = out.flatMap((c) => c.outputs ?? []).map((o) => text(o.text));
  // Squares of 1..5 scaled by 10, weighted 2, 0.5, 2, 0.5, 2.
  expect(printed).toContain('cubes "quoted" (batch): 20, 20, 180, 80, 500\n');
});

test('a parameter of the wrong type is a compile error in the cell that uses it, and papermill fails', () => {
  const r = papermill(['parameters.ipynb', 'wrong.ipynb', '-k', 'taskcell', '-p', 'n', 'five']);
  expect(r.status).not.toBe(0);
  expect(r.output).toMatch(/PapermillExecutionError/);
  const out = cells('wrong.ipynb');
  expect(text(out.find((c) => c.metadata.tags?.includes('injected-parameters'))?.source)).toContain('const n = "five";');
  const errors = out.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0].ename).toMatch(/CompileError/);
  expect(errors[0].evalue).toMatch(/Type 'string' is not assignable to type 'number/);
});

test('values papermill can pass translate to TypeScript literals that keep their value', () => {
  const script = [
    'import math, json',
    'from papermill.translators import translate_parameters',
    "print(translate_parameters('taskcell', 'typescript', {",
    "  'f': 1.5, 'big': 2**60, 'nan': math.nan, 'inf': -math.inf, 'none': None, 'yes': True,",
    "  's': 'tab\\tline\\n\\u00e9\\\\', 'empty': {}, 'nested': {'a b': [1, {'c': None}]},",
    "}, 'Parameters'))",
  ].join('\n');
  const r = spawnSync(join(VENV, 'bin', 'python'), ['-c', script], { env, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout.split('\n')).toEqual([
    '// Parameters',
    'const f = 1.5;',
    'const big = 1152921504606846976n;',
    'const nan = NaN;',
    'const inf = -Infinity;',
    'const none = null;',
    'const yes = true;',
    'const s = "tab\\tline\\n\\u00e9\\\\";',
    'const empty = {};',
    'const nested = { "a b": [1, { "c": null }] };',
    '',
    '',
  ]);
});

test('the translator module imported before papermill registers itself as well', () => {
  const script = [
    'from taskcell_jupyterlab.papermill import TypeScriptTranslator',
    'from papermill.translators import papermill_translators',
    "print(papermill_translators.find_translator('taskcell', 'typescript') is TypeScriptTranslator)",
  ].join('\n');
  const r = spawnSync(join(VENV, 'bin', 'python'), ['-c', script], { env, encoding: 'utf8' });
  expect(`${r.stdout}${r.stderr}`.trim()).toBe('True');
});

test('papermill --help-notebook lists the parameters cell with the types of its defaults', () => {
  const r = papermill(['--help-notebook', 'parameters.ipynb']);
  expect(r.status).toBe(0);
  expect(r.output).toMatch(/n: number \(default 3\)\s+how many squares/);
  expect(r.output).toMatch(/weights: array \(default \[1, 2, 3\]\)/);
  expect(r.output).toMatch(/options: object/);
});
