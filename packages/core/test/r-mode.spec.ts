import { CanceledError, ConversionError, TaskError, apeToNested, getRunner, printR, run, task, workflow } from '@taskcell/core';
import type { IJobEvent } from '@taskcell/core';
import { BSON } from 'bson';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useFreshRunner, withEnv } from './helpers';

useFreshRunner();

const r = (script: string, inputs: Array<[string, string, string]>, outputs: Array<[string, string, string]>) => ({
  mode: 'r',
  script,
  inputs: inputs.map(([name, type, format]) => ({ name, type, format })),
  outputs: outputs.map(([name, type, format]) => ({ name, type, format })),
});

const NEWICK = '((ahli:0,allogus:1):2,rubribarbus:3);';

describe('r mode', () => {
  test('inputs are variables, outputs come back from the environment, prints, messages and warnings stream as job logs', async () => {
    const events: IJobEvent[] = [];
    const t = r(
      'print(sum(xs))\nmessage("careful")\nwarning("odd")\ntotal <- sum(xs)\nys <- xs * 2\none <- xs[1]\nname <- paste("n", length(xs))\ncat("no newline")',
      [['xs', 'number_list', 'number_list']],
      [
        ['total', 'number', 'number'],
        ['ys', 'number_list', 'number_list'],
        ['one', 'number_list', 'number_list'],
        ['name', 'string', 'text'],
      ],
    );
    const res = await run(t, { xs: [1, 2, 3.5] }, { cache: false, onEvent: (e) => events.push(e) });
    // A length-one vector is a scalar on scalar types (Girder Worker's rule) and stays a list on list types.
    expect(res.data).toEqual({ total: 6.5, ys: [2, 4, 7], one: [1], name: 'n 3' });
    // Each stream in its order (the two pipes are read apart); the last line without its newline too.
    const lines = (stream: string) => events.filter((e) => e.kind === 'log' && e.log?.stream === stream).map((e) => e.log?.line);
    expect(lines('stdout')).toEqual(['[1] 6.5', 'no newline']);
    expect(lines('stderr')).toEqual(['careful', 'Warning: odd']);
    const places = events.filter((e) => e.place).map((e) => e.place);
    expect(places.length).toBeGreaterThanOrEqual(2);
    for (const p of places) expect(p).toEqual({ kind: 'r', name: 'Rscript' });
  });

  test('progress(current, total, message) reports the job progress', async () => {
    const events: IJobEvent[] = [];
    await run(
      r('for (i in 1:3) progress(i, 3, paste("step", i))\ny <- 1', [], [['y', 'number', 'number']]),
      {},
      {
        cache: false,
        onEvent: (e) => events.push(e),
      },
    );
    expect(events.filter((e) => e.kind === 'progress').map((e) => e.progress)).toEqual([
      { current: 1, total: 3, message: 'step 1' },
      { current: 2, total: 3, message: 'step 2' },
      { current: 3, total: 3, message: 'step 3' },
    ]);
  });

  test('an R error is a TaskError naming the call and carrying the calls that led to it', async () => {
    const err = await run(
      r(
        'check <- function(v) if (v == 0) stop("zero is not allowed") else v\nout <- check(x)',
        [['x', 'number', 'number']],
        [['out', 'number', 'number']],
      ),
      { x: 0 },
      { cache: false },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect(err.message).toMatch(/^R simpleError: in check\(x\): zero is not allowed/);
    expect(err.context.traceback).toMatch(/check\(x\)/);
  });

  test('the script gets its job temp directory as `tempdir`, as in Girder Worker, and R tempdir() still works', async () => {
    const t = r(
      'writeLines("kept", file.path(tempdir, "note.txt"))\ndir <- tempdir\nseen <- readLines(file.path(dir, "note.txt"))\nown <- nzchar(tempdir())',
      [],
      [
        ['dir', 'string', 'text'],
        ['seen', 'string', 'text'],
        ['own', 'boolean', 'boolean'],
      ],
    );
    const res = await run(t, {}, { cache: false });
    expect(res.data.dir).toMatch(/taskcell-/);
    expect(res.data).toMatchObject({ seen: 'kept', own: true });
  });

  test('an error at the top of the script or in its syntax names no driver call; a syntax error names the task and line', async () => {
    const top = await run(r('stop("no data")', [], [['y', 'number', 'number']]), {}, { cache: false }).catch((e: unknown) => e);
    expect((top as TaskError).message).toBe('R simpleError: no data');
    const syntax = { ...r('y <- 1\ny <- (1 +', [], [['y', 'number', 'number']]), name: 'broken' };
    const err = await run(syntax, {}, { cache: false }).catch((e: unknown) => e);
    expect((err as TaskError).message).toMatch(/^R simpleError: broken:3:0: unexpected end of input/);
    expect((err as TaskError).context).toMatchObject({ task: 'broken', traceback: '' });
  });

  test('an output the script did not set is named', async () => {
    await expect(run(r('y <- 1', [], [['z', 'number', 'number']]), {}, { cache: false })).rejects.toThrow(/did not set its output "z"/);
  });

  test('each job starts from an empty environment and no attached package, as in Girder Worker', async () => {
    await run(r('library(ape)\nleft <- 1\ny <- 1', [], [['y', 'number', 'number']]), {}, { cache: false });
    const res = await run(
      r(
        'y <- exists("left")\nz <- "package:ape" %in% search()',
        [],
        [
          ['y', 'boolean', 'boolean'],
          ['z', 'boolean', 'boolean'],
        ],
      ),
      {},
      { cache: false },
    );
    expect(res.data).toEqual({ y: false, z: false });
  });

  test('cancel kills the R process: the job ends CANCELED at once and the next job runs', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = run(r('Sys.sleep(30)\ny <- 1', [], [['y', 'number', 'number']]), {}, { cache: false, signal: ac.signal });
    setTimeout(() => ac.abort(), 500);
    await expect(p).rejects.toThrow(CanceledError);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await run(r('y <- 2', [], [['y', 'number', 'number']]), {}, { cache: false })).data.y).toBe(2);
  });

  test('an R that does not start is named, with what it wrote on stderr and how to choose another', async () => {
    // A stand-in for an R without jsonlite: it says what R says and exits.
    const fake = join(mkdtempSync(join(tmpdir(), 'tc-fake-r-')), 'Rscript');
    writeFileSync(fake, '#!/bin/sh\necho "Error in loadNamespace(x) : there is no package called \'jsonlite\'" >&2\nexit 1\n', {
      mode: 0o755,
    });
    const err = await withEnv('TASKCELL_RSCRIPT', fake, () =>
      run(r('y <- 1', [], [['y', 'number', 'number']]), {}, { cache: false }).catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).message).toBe(
      `The R interpreter "${fake}" exited at start (code 1): Error in loadNamespace(x) : there is no package called 'jsonlite'\n` +
        "(install R (Debian's r-base-core, r-cran-jsonlite, r-cran-ape) or set TASKCELL_RSCRIPT to an Rscript)",
    );
  });

  test('r and javascript steps mix in one workflow, an R object passing between R steps', async () => {
    const double = task({ name: 'double', inputs: { xs: 'number_list' }, outputs: { ys: 'number_list' } }, ({ xs }) =>
      xs.map((x) => x * 2),
    );
    const wf = workflow()
      .step('double', double)
      .step(
        'model',
        r('fit <- lm(y ~ x, data.frame(x = seq_along(ys), y = ys))', [['ys', 'number_list', 'number_list']], [['fit', 'r', 'object']]),
      )
      .step('slope', r('slope <- unname(coef(fit)[2])', [['fit', 'r', 'object']], [['slope', 'number', 'number']]))
      .connect('double', 'model', { ys: 'ys' })
      .connect('model', 'slope', { fit: 'fit' });
    const res = await run(wf, { xs: [1, 2, 3] }, { cache: false });
    expect(res.data.slope).toBeCloseTo(2, 10);
  });
});

describe('R formats', () => {
  test('r/object is R serialization bytes; r/serialized is its ascii text, as Girder Worker wrote it', async () => {
    const f = getRunner().formats;
    const res = await run(r('output <- list(a = 1, b = "x")', [], [['output', 'r', 'object']]), {}, { cache: false });
    const bytes = res.data.output as Buffer;
    expect(f.isValid('r', 'object', bytes)).toBe(true);
    expect(f.isValid('r', 'object', 'text')).toBe(false);
    const text = (await f.convert('r', 'object', 'serialized', bytes)) as string;
    expect(text.split('\n').slice(0, 2)).toEqual(['A', '2']);
    expect(await printR('r', 'serialized', text)).toMatch(/\$a\n\[1\] 1/);
    const back = await f.convert('r', 'serialized', 'object', text);
    expect(await printR('r', 'object', back)).toBe(await printR('r', 'object', bytes));
  });

  test('table: rows -> csv -> r.dataframe -> csv -> rows gives the table back, numbers and text alike', async () => {
    const f = getRunner().formats;
    const table = {
      fields: ['name', 'n', 'x'],
      rows: [
        { name: 'a, b', n: 1, x: 2.5 },
        { name: 'c', n: 2, x: -1 },
      ],
    };
    const df = await f.convert('table', 'rows', 'r.dataframe', table);
    expect(f.isValid('table', 'r.dataframe', df)).toBe(true);
    expect(await f.convert('table', 'r.dataframe', 'rows', df)).toEqual(table);
    expect(await printR('table', 'r.dataframe', df)).toMatch(/name n\s+x/);
  });

  test('an R task given a table gets a data.frame; a wrong class on an R format output is named', async () => {
    const t = r(
      'n <- nrow(a)\ncls <- class(a)',
      [['a', 'table', 'r.dataframe']],
      [
        ['n', 'integer', 'integer'],
        ['cls', 'string', 'text'],
      ],
    );
    const res = await run(t, { a: { format: 'rows', data: { fields: ['v'], rows: [{ v: 1 }, { v: 2 }] } } }, { cache: false });
    expect(res.data).toEqual({ n: 2, cls: 'data.frame' });
    const rows = r('b <- data.frame(k = c("x", "y"), v = c(1.5, 2))', [], [['b', 'table', 'rows']]);
    expect((await run(rows, {}, { cache: false })).data.b).toEqual({
      fields: ['k', 'v'],
      rows: [
        { k: 'x', v: 1.5 },
        { k: 'y', v: 2 },
      ],
    });
    const bad = r('b <- 1', [], [['b', 'table', 'r.dataframe']]);
    await expect(run(bad, {}, { cache: false })).rejects.toThrow(/expected a data.frame for table\/r.dataframe, got numeric/);
  });

  test('tree: newick -> r.apetree -> nested equals taskcell own newick reading, and nexus and newick come back from ape', async () => {
    const f = getRunner().formats;
    for (const nw of [NEWICK, '((a:1.5,b:2)x:0.5,(c:1,d:1)y:2,e:4)root;', '(a,(b,c));']) {
      const ape = await f.convert('tree', 'newick', 'r.apetree', nw);
      expect(await f.convert('tree', 'r.apetree', 'nested', ape)).toEqual(f.convert('tree', 'newick', 'nested', nw));
      expect(await f.convert('tree', 'r.apetree', 'newick', ape)).toBe(nw);
      const nexus = (await f.convert('tree', 'r.apetree', 'nexus', ape)) as string;
      expect(nexus).toMatch(/^#NEXUS/);
      expect(await f.convert('tree', 'nexus', 'newick', nexus)).toBe(nw);
    }
    expect(
      await printR('tree', 'r.apetree', await f.convert('tree', 'nested', 'r.apetree', f.convert('tree', 'newick', 'nested', NEWICK))),
    ).toMatch(/^\nPhylogenetic tree with 3 tips and 2 internal nodes\./);
  });

  test('a broken newick is a conversion error from R', async () => {
    const err = (await Promise.resolve(getRunner().formats.convert('tree', 'newick', 'r.apetree', 'no tree here')).catch(
      (e: unknown) => e,
    )) as ConversionError;
    expect(err).toBeInstanceOf(ConversionError);
    expect(err.message).toMatch(/^Converting type "tree" from "newick" to "r.apetree" in R failed: /);
    expect(err.context).toMatchObject({ type: 'tree', format: 'newick', to: 'r.apetree' });
  });

  test('apeToNested takes scalar vectors for one-element ones and names internal nodes by their label', () => {
    const tree = apeToNested({ edge: [[2, 1]], edge_length: 1.5, nnode: 1, tip_label: 'only', node_label: 'top' });
    expect(tree).toEqual({
      node_data: { 'node name': 'top', 'node weight': 0 },
      node_fields: ['node name', 'node weight'],
      edge_fields: ['weight'],
      children: [{ node_data: { 'node name': 'only', 'node weight': 1.5 }, edge_data: { weight: 1.5 } }],
    });
  });

  test('tree: newick -> r.apetree -> treestore gives Arbor documents as BSON, branch lengths as doubles', async () => {
    const data = (await getRunner().formats.convert('tree', 'newick', 'treestore', NEWICK)) as Buffer;
    const docs: unknown[] = [];
    for (let at = 0; at < data.length; at += data.readInt32LE(at))
      docs.push(BSON.deserialize(data.subarray(at, at + data.readInt32LE(at))));
    expect(docs).toEqual([
      { _id: 0, name: 'ahli', branch_length: 0 },
      { _id: 1, name: 'allogus', branch_length: 1 },
      { _id: 2, name: 'rubribarbus', branch_length: 3 },
      { _id: 3, clades: [4, 2] },
      { _id: 4, clades: [0, 1], branch_length: 2 },
      { _id: 5, rooted: true, clades: [3] },
    ]);
    // BSON type 0x01 (double) right after the key "branch_length" of the first document.
    const first = data.subarray(0, data.readInt32LE(0));
    expect(first[first.indexOf('branch_length') - 1]).toBe(0x01);
  });
});
