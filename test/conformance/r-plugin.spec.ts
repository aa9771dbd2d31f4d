/**
 * Girder Worker's R plugin tests, run in taskcell's r mode (a warm Rscript). R objects cross
 * between tasks as R's serialization bytes (`r/object`); a case whose check calls an R closure
 * (`outputs.output.data(3)`) makes that call in R, in a task given the closure. Arbor's analyses
 * are excluded, each naming what is missing here.
 */
import { run } from '@taskcell/core';
import type { IBinding, IResult } from '@taskcell/core';
import { closeRunnerAfterAll, conformance } from './harness';
import type { ICase } from './harness';

closeRunnerAfterAll();

type Json = Record<string, unknown>;

const ARBOR =
  'the Arbor task file raw/analysis/arbor/%s is not in the shared Girder Worker material (the case names it; only its data under raw/girder_worker/plugins/r/tests/data is there)';

/** Outputs of cases already run, for inputs given `{from_case, output}`. */
const done = new Map<string, IResult>();

/** The case's inputs, with one taken from an earlier case's output as that output came back. */
function inputsOf(c: ICase): Json {
  return Object.fromEntries(
    Object.entries((c.input ?? {}) as Json).map(([k, v]) => {
      const from = v as { from_case?: string; output?: string };
      if (!from.from_case) return [k, v];
      const earlier = done.get(from.from_case);
      if (!earlier) throw new Error(`case ${c.name} takes input "${k}" from ${from.from_case}, which has not run`);
      return [k, earlier.outputs[from.output!]];
    }),
  );
}

/** The one assertion target of these cases: the serialized text without its three header lines. */
function target(name: string, result: IResult): unknown {
  if (name === "'\\n'.join(outputs.output.data.split('\\n')[3:])")
    return (result.outputs.output.data as string).split('\n').slice(3).join('\n');
  throw new Error(`no reading for assertion target ${JSON.stringify(name)}`);
}

conformance(
  'r_plugin.json',
  async (c) => {
    const result = await run(c.task as Json, inputsOf(c), (c.outputs ?? {}) as Record<string, IBinding>, { cache: false });
    done.set(c.name, result);
    if (c.name === 'r.TestR.test_function') {
      // The closure came back as R bytes; calling it is R's work: data(3)[0] == 9, then the case's second task.
      const closure = result.outputs.output;
      expect(closure.format).toBe('object');
      const call = {
        mode: 'r',
        script: 'output = input(3)[1]',
        inputs: [{ name: 'input', type: 'r', format: 'object' }],
        outputs: [{ name: 'output', type: 'number', format: 'number' }],
      };
      expect((await run(call, { input: closure }, { cache: false })).data.output).toBe(9);
      const then = c.then as { task: Json; expected: Record<string, { data: unknown }> };
      const second = await run(then.task, { input: closure }, { cache: false });
      for (const [port, want] of Object.entries(then.expected)) expect(second.outputs[port].data).toEqual(want.data);
      return;
    }
    expect(c.assertions?.length).toBeGreaterThan(0);
    for (const a of c.assertions ?? []) {
      expect(a.op).toBe('equals');
      expect(target(a.target, result)).toEqual(a.value);
    }
  },
  {
    'r.TestArbor.test_pgls': `${ARBOR.replace('%s', 'pgls.json')}; the case also requires the R package geiger (its \`requires\`: nlme/geiger), which Debian does not package (apt-cache policy r-cran-geiger finds none); ape and nlme are installed`,
    'r.TestArbor.test_cont2disc': ARBOR.replace('%s', 'continuous_to_discrete.json'),
  },
);
