/**
 * taskcell as users get it: every workspace package packed with `npm pack`, the kernel package
 * installed globally from its tarball into an empty prefix with an empty HOME (its `@taskcell/*`
 * dependencies served from their tarballs by a scope registry, third-party ones from the public
 * registry or npm's cache), `taskcell install --user`, the wheel built from pyproject.toml and
 * installed into a fresh venv, and from an empty folder a notebook executed with nbclient and a
 * Girder Worker spec run with `taskcell run`. Nothing here reaches the workspace's files.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED } from '../conformance/harness';
import { ROOT, VENV, writeNotebook } from '../e2e/jupyterlab';
import { startScopeRegistry } from './registry';
import type { IPacked, IScopeRegistry } from './registry';

jest.setTimeout(300_000);

/** The workspace packages users install from npm (the extension reaches them inside the wheel). */
const NPM_PACKAGES = ['@taskcell/core', '@taskcell/display', '@taskcell/pool', '@taskcell/docker', 'taskcell'];

interface IExit {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command without blocking this process (the scope registry answers from it meanwhile). */
function exec(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeout?: number }): Promise<IExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 240_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Throw with the command's output unless it exited 0. */
function ok(r: IExit, what: string): IExit {
  if (r.status !== 0) throw new Error(`Expected ${what} to exit 0, got ${String(r.status)}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const dir = mkdtempSync(join(tmpdir(), 'taskcell-install-'));
const packs = join(dir, 'packs');
const prefix = join(dir, 'prefix');
const home = join(dir, 'home');
const venv = join(dir, 'venv');
const work = join(dir, 'work');
let registry: IScopeRegistry | undefined;
let packed: IPacked[] = [];

/**
 * The environment of a user's shell: the prefix and the venv on PATH, an empty HOME, and nothing
 * of the workspace (no NODE_PATH, no JUPYTER_PATH, no TASKCELL_* settings). npm and pip reuse the
 * machine's download caches (content-addressed, so a changed tarball is never served stale).
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(prefix, 'bin')}:${join(venv, 'bin')}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    LANG: 'C.UTF-8',
    TMPDIR: tmpdir(),
    npm_config_cache: join(homedir(), '.npm'),
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    PIP_CACHE_DIR: join(homedir(), '.cache', 'pip'),
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
  };
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('PIP_') && !(k in env)) env[k] = v;
  for (const k of [
    'SSL_CERT_FILE',
    'NODE_EXTRA_CA_CERTS',
    'HTTPS_PROXY',
    'HTTP_PROXY',
    'NO_PROXY',
    'https_proxy',
    'http_proxy',
    'no_proxy',
  ])
    if (process.env[k]) env[k] = process.env[k];
  return env;
}

beforeAll(async () => {
  for (const d of [packs, prefix, home, work]) mkdirSync(d, { recursive: true });
  const args = ['pack', '--json', '--pack-destination', packs, ...NPM_PACKAGES.flatMap((p) => ['-w', p])];
  const r = ok(await exec('npm', args, { cwd: ROOT, env: process.env }), 'npm pack');
  packed = JSON.parse(r.stdout) as IPacked[];
  registry = await startScopeRegistry(
    packed.filter((p) => p.name.startsWith('@taskcell/')).map((p) => ({ path: join(packs, p.filename), packed: p })),
  );
  writeFileSync(join(home, '.npmrc'), `@taskcell:registry=${registry.url}\n`);
});

afterAll(async () => {
  await registry?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('installed from packed packages into an empty prefix and HOME', () => {
  test('every package packs with what it needs at run time, and no workspace link', () => {
    expect(packed.map((p) => p.name).sort()).toEqual([...NPM_PACKAGES].sort());
    for (const p of packed) {
      const files = spawnSync('tar', ['-tzf', join(packs, p.filename)], { encoding: 'utf8' }).stdout.split('\n');
      expect(files).toContain('package/lib/index.js');
      expect(files).toContain('package/lib/index.d.ts');
      const manifest = JSON.parse(
        spawnSync('tar', ['-xzOf', join(packs, p.filename), 'package/package.json'], { encoding: 'utf8' }).stdout,
      ) as {
        dependencies?: Record<string, string>;
        exports?: Record<string, unknown>;
      };
      for (const [name, range] of Object.entries(manifest.dependencies ?? {}))
        expect(`${name}@${range}`).toMatch(/^(@[a-z0-9-]+\/)?[a-z0-9.-]+@[~^]?\d+\.\d+\.\d+$/);
      expect(manifest.exports?.['.']).toEqual({ types: './lib/index.d.ts', default: './lib/index.js' });
    }
    const core = spawnSync('tar', ['-tzf', join(packs, packed.find((p) => p.name === '@taskcell/core')!.filename)], { encoding: 'utf8' });
    // The python mode's runner script, read beside lib/ at run time.
    expect(core.stdout.split('\n')).toContain('package/python/taskcell_python.py');
  });

  test('npm install -g of the packed taskcell gives the taskcell command, its @taskcell packages from their tarballs', async () => {
    const tarball = join(packs, packed.find((p) => p.name === 'taskcell')!.filename);
    ok(
      await exec('npm', ['install', '--global', '--prefix', prefix, tarball], { cwd: work, env: userEnv(), timeout: 240_000 }),
      'npm install -g',
    );
    const installed = join(prefix, 'lib', 'node_modules', 'taskcell');
    // Real files, not links back into the workspace.
    expect(realpathSync(installed)).toBe(installed);
    for (const name of NPM_PACKAGES.filter((n) => n !== 'taskcell')) {
      const at = [join(installed, 'node_modules', name), join(prefix, 'lib', 'node_modules', name)].find((p) => existsSync(p));
      expect(at && realpathSync(at).startsWith(dir)).toBe(true);
      // Resolved through the scope registry's metadata, whose integrity pins the tarball packed above
      // (npm takes it from its content-addressed cache when an earlier run fetched the same bytes).
      expect(registry!.requests.filter((r) => r.endsWith(`/${name}`))).toHaveLength(1);
    }
    const version = ok(await exec('taskcell', ['--help'], { cwd: work, env: userEnv() }), 'taskcell --help');
    expect(version.stdout + version.stderr).toMatch(/taskcell/);
  });

  test('taskcell install --user writes a kernelspec that starts the installed kernel', async () => {
    const r = ok(await exec('taskcell', ['install', '--user'], { cwd: work, env: userEnv() }), 'taskcell install --user');
    const specDir = join(home, '.local', 'share', 'jupyter', 'kernels', 'taskcell');
    expect(r.stdout).toContain(specDir);
    const spec = JSON.parse(readFileSync(join(specDir, 'kernel.json'), 'utf8')) as { argv: string[]; display_name: string };
    expect(spec.display_name).toBe('TypeScript (taskcell)');
    expect(spec.argv[1]).toBe(join(prefix, 'lib', 'node_modules', 'taskcell', 'bin', 'taskcell.js'));
  });

  test('pip install of the wheel gives the JupyterLab extension and the papermill translator; taskcell install --sys-prefix registers the kernel in the venv', async () => {
    const wheels = join(dir, 'wheels');
    // The wheel as pyproject.toml builds it; the project venv has the build backend and its hook.
    ok(
      await exec(join(VENV, 'bin', 'python'), ['-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--wheel-dir', wheels, ROOT], {
        cwd: work,
        env: { ...process.env, PATH: `${join(VENV, 'bin')}:${process.env.PATH ?? ''}` },
      }),
      'pip wheel',
    );
    const wheel = readdirSync(wheels).find((f) => f.startsWith('taskcell-') && f.endsWith('.whl'));
    expect(wheel).toBeDefined();
    ok(await exec('python3', ['-m', 'venv', venv], { cwd: work, env: userEnv() }), 'python3 -m venv');
    const constraints = join(ROOT, 'test', 'python', 'constraints.txt');
    ok(
      await exec(
        join(venv, 'bin', 'python'),
        ['-m', 'pip', 'install', '--quiet', '-c', constraints, join(wheels, wheel!), 'nbclient', 'networkx'],
        {
          cwd: work,
          env: userEnv(),
        },
      ),
      'pip install of the wheel',
    );
    const shared = join(venv, 'share', 'jupyter', 'labextensions', '@taskcell', 'jupyterlab');
    expect(JSON.parse(readFileSync(join(shared, 'package.json'), 'utf8'))).toMatchObject({ name: '@taskcell/jupyterlab' });
    expect(existsSync(join(shared, 'install.json'))).toBe(true);
    expect(readdirSync(join(shared, 'static')).some((f) => /^remoteEntry\.[0-9a-f]+\.js$/.test(f))).toBe(true);
    const script = "from importlib.metadata import entry_points; print([e.value for e in entry_points(group='papermill.engine')])";
    const eps = ok(await exec(join(venv, 'bin', 'python'), ['-c', script], { cwd: work, env: userEnv() }), 'entry points');
    expect(eps.stdout.trim()).toBe("['taskcell_jupyterlab.papermill:TaskcellEngine']");
    // In an activated venv, --sys-prefix registers the kernel there, beside the extension.
    const sys = ok(
      await exec('taskcell', ['install', '--sys-prefix'], { cwd: work, env: { ...userEnv(), VIRTUAL_ENV: venv } }),
      'taskcell install --sys-prefix',
    );
    expect(sys.stdout).toContain(join(venv, 'share', 'jupyter', 'kernels', 'taskcell'));
    const spec = JSON.parse(readFileSync(join(venv, 'share', 'jupyter', 'kernels', 'taskcell', 'kernel.json'), 'utf8')) as {
      argv: string[];
    };
    expect(spec.argv[1]).toBe(join(prefix, 'lib', 'node_modules', 'taskcell', 'bin', 'taskcell.js'));
  });

  test('a notebook in an empty folder runs on the installed kernel with nbclient, its cells type-checked', async () => {
    writeNotebook(work, 'first.ipynb', [
      [
        "import { task, run } from 'taskcell';",
        "import { basename } from 'node:path';",
        "const double = task({ inputs: { xs: 'number_list' }, outputs: { ys: 'number_list' } }, ({ xs }) => xs.map((x) => x * 2));",
        'const r = await run(double, { xs: [1, 2, 3] });',
        "console.log(JSON.stringify(r.data.ys), basename('/a/b.txt'));",
      ].join('\n'),
      "const wrong: number = 'five';",
    ]);
    const script = [
      'import json, nbformat, sys',
      'from nbclient import NotebookClient',
      "nb = nbformat.read('first.ipynb', as_version=4)",
      "NotebookClient(nb, kernel_name='taskcell', timeout=120, allow_errors=True, resources={'metadata': {'path': '.'}}).execute()",
      "json.dump([c.get('outputs', []) for c in nb.cells], sys.stdout)",
    ].join('\n');
    const r = ok(await exec(join(venv, 'bin', 'python'), ['-c', script], { cwd: work, env: userEnv() }), 'nbclient');
    const [first, second] = JSON.parse(r.stdout) as { output_type: string; text?: string; ename?: string; evalue?: string }[][];
    expect(first.filter((o) => o.output_type === 'error')).toEqual([]);
    expect(
      first
        .filter((o) => o.output_type === 'stream')
        .map((o) => o.text)
        .join(''),
    ).toBe('[2,4,6] b.txt\n');
    expect(second.find((o) => o.output_type === 'error')?.evalue).toMatch(/Type 'string' is not assignable to type 'number'/);
  });

  test('taskcell run executes a Girder Worker spec from the empty folder', async () => {
    const spec = join(SHARED, 'raw', 'docs', 'static', 'facebook-example-spec.json');
    const data = join(SHARED, 'raw', 'docs', 'static', 'facebook-sample-data.txt');
    const r = ok(
      await exec('taskcell', ['run', spec, '--input', `G=@${data}`, '--output', 'result_graph={"format":"networkx.json"}', '--no-cache'], {
        cwd: work,
        env: { ...userEnv(), TASKCELL_PYTHON: join(venv, 'bin', 'python') },
      }),
      'taskcell run',
    );
    const out = JSON.parse(r.stdout) as { result_graph: { format: string; data: string } };
    const g = JSON.parse(out.result_graph.data) as { nodes: unknown[]; links?: unknown[]; edges?: unknown[] };
    expect([g.nodes.length, (g.links ?? g.edges ?? []).length]).toEqual([159, 300]);
  });
});
