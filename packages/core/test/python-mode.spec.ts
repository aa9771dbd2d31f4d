import { CanceledError, TaskError, run, task, workflow } from '@taskcell/core';
import type { IJobEvent } from '@taskcell/core';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useFreshRunner } from './helpers';

useFreshRunner();

const py = (script: string, inputs: Array<[string, string, string]>, outputs: Array<[string, string, string]>) => ({
  mode: 'python',
  script,
  inputs: inputs.map(([name, type, format]) => ({ name, type, format })),
  outputs: outputs.map(([name, type, format]) => ({ name, type, format })),
});

describe('python mode', () => {
  test('inputs are variables, outputs come back from scope, prints stream as job logs', async () => {
    const events: IJobEvent[] = [];
    const t = py(
      'import sys\nprint("sum is", sum(xs))\nprint("careful", file=sys.stderr)\ntotal = sum(xs)\nrows = {"fields": ["x"], "rows": [{"x": v} for v in xs]}',
      [['xs', 'number_list', 'number_list']],
      [
        ['total', 'number', 'number'],
        ['rows', 'table', 'rows'],
      ],
    );
    const r = await run(t, { xs: [1, 2, 3.5] }, { cache: false, onEvent: (e) => events.push(e) });
    expect(r.data).toEqual({ total: 6.5, rows: { fields: ['x'], rows: [{ x: 1 }, { x: 2 }, { x: 3.5 }] } });
    expect(events.filter((e) => e.kind === 'log').map((e) => e.log)).toEqual([
      { stream: 'stdout', line: 'sum is 6.5' },
      { stream: 'stderr', line: 'careful' },
    ]);
  });

  test('its job runs in the python place, in its events, not in-process', async () => {
    const events: IJobEvent[] = [];
    await run(
      py('y = x * 2', [['x', 'number', 'number']], [['y', 'number', 'number']]),
      { x: 2 },
      { cache: false, onEvent: (e) => events.push(e) },
    );
    const places = events.filter((e) => e.place).map((e) => e.place);
    expect(places.length).toBeGreaterThanOrEqual(2);
    for (const p of places) {
      expect(p?.kind).toBe('python');
      expect(p?.name).toMatch(/python/);
    }
  });

  test('an exception is a TaskError carrying the Python traceback', async () => {
    const err = await run(
      py('def f(v):\n    return 1 / v\nout = f(x)', [['x', 'number', 'number']], [['out', 'number', 'number']]),
      { x: 0 },
      { cache: false },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect(err.message).toMatch(/^Python ZeroDivisionError: division by zero/);
    expect(err.context.traceback).toMatch(/line 2, in f/);
  });

  test('an output the script did not set is named', async () => {
    await expect(run(py('y = 1', [], [['z', 'number', 'number']]), {}, { cache: false })).rejects.toThrow(/did not set its output "z"/);
  });

  test('cancel kills the interpreter: the job ends CANCELED at once and the next job runs', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = run(py('import time\ntime.sleep(30)\ny = 1', [], [['y', 'number', 'number']]), {}, { cache: false, signal: ac.signal });
    setTimeout(() => ac.abort(), 300);
    await expect(p).rejects.toThrow(CanceledError);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await run(py('y = 2', [], [['y', 'number', 'number']]), {}, { cache: false })).data.y).toBe(2);
  });

  test('graphs cross as networkx graphs and come back', async () => {
    const t = py(
      'import networkx as nx\nG.add_edge("c", "a", w=3)\nn = G.number_of_edges()\nout = G',
      [['G', 'graph', 'networkx']],
      [
        ['n', 'integer', 'integer'],
        ['out', 'graph', 'networkx'],
      ],
    );
    const g = { directed: false, multigraph: false, graph: {}, nodes: [{ id: 'a' }, { id: 'b' }], edges: [{ source: 'a', target: 'b' }] };
    const r = await run(t, { G: g }, { cache: false });
    expect(r.data.n).toBe(2);
    expect((r.data.out as { edges: unknown[] }).edges).toContainEqual({ source: 'a', target: 'c', w: 3 });
  });

  test('a missing Python package is named in the error', async () => {
    // A bare venv: a Python 3 that certainly has no networkx.
    const bare = mkdtempSync(join(tmpdir(), 'tc-bare-venv-'));
    expect(spawnSync('python3', ['-m', 'venv', '--without-pip', bare]).status).toBe(0);
    const saved = process.env.TASKCELL_PYTHON;
    process.env.TASKCELL_PYTHON = join(bare, 'bin', 'python');
    try {
      const t = py('n = G.number_of_nodes()', [['G', 'graph', 'networkx']], [['n', 'integer', 'integer']]);
      const g = { directed: false, multigraph: false, graph: {}, nodes: [{ id: 1 }], edges: [] };
      const err = await run(t, { G: g }, { cache: false }).catch((e) => e);
      expect(err).toBeInstanceOf(TaskError);
      expect(err.message).toMatch(
        /port "G" has format "networkx", which needs the Python package "networkx": install it in the interpreter taskcell uses/,
      );
    } finally {
      if (saved === undefined) delete process.env.TASKCELL_PYTHON;
      else process.env.TASKCELL_PYTHON = saved;
    }
  });

  test('python and javascript steps mix in one workflow', async () => {
    const double = task({ name: 'double', inputs: { xs: 'number_list' }, outputs: { ys: 'number_list' } }, ({ xs }) =>
      xs.map((x) => x * 2),
    );
    const wf = workflow()
      .step('double', double)
      .step(
        'stats',
        py('import statistics\nmean = statistics.mean(ys)', [['ys', 'number_list', 'number_list']], [['mean', 'number', 'number']]),
      )
      .connect('double', 'stats', { ys: 'ys' });
    expect((await run(wf, { xs: [1, 2, 3] }, { cache: false })).data).toEqual({ mean: 4 });
  });
});
