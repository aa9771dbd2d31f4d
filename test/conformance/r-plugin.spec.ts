/**
 * Girder Worker's R plugin tests. Every case runs R code (mode `r`) and passes R objects (vectors,
 * closures, ape trees) between tasks; R objects have no JSON stand-in in a TypeScript engine and no
 * R interpreter is part of taskcell, so every case is excluded with its reason.
 */
import { conformance } from './harness';

const R = 'R: the task runs R code in mode "r" and passes R objects, which have no JSON stand-in in a TypeScript engine';

conformance(
  'r_plugin.json',
  (c) => {
    throw new Error(`r-plugin.spec: case ${c.name} is not excluded, but R is not available to taskcell`);
  },
  {
    'r.TestR.test_array#out': `${R} (r/object -> r/serialized via R's serialize())`,
    'r.TestR.test_array#in': `${R} (an r/object input from the previous case)`,
    'r.TestR.test_function': `${R} (an R closure passed between tasks; needs rpy2)`,
    'r.TestArbor.test_pgls': `${R} (the arbor pgls analysis needs the R packages ape, nlme and geiger)`,
    'r.TestArbor.test_cont2disc': `${R} (the arbor continuous_to_discrete analysis)`,
  },
);
