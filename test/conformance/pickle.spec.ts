/**
 * Girder Worker's pickle tests. Pickle is Python's object serialization: its bytes, and the Python
 * objects on either side (tuples, bytes, open files, lambdas), have no JSON stand-in in a
 * TypeScript engine, so those cases are excluded. The one case that only runs a task over
 * `python/object` ports, with a script equivalent, runs.
 */
import { conformance } from './harness';
import type { ICase } from './harness';
import { runCase } from './gw-run';

const ROUND_TRIP =
  'pickle: python/object -> pickle -> pickle.base64 round trip needs Python pickle; pickle bytes have no JSON stand-in in a TypeScript engine';

conformance(
  'pickle.json',
  async (c: ICase) => {
    // The case passes a malformed outputs dict ({format: object}) that Girder Worker ignores; so do we.
    const result = await runCase(c, c.input as Record<string, unknown>, {});
    const data = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.data]));
    expect(data).toEqual(c.expected);
  },
  {
    'pickle.TestPickle.test_pickle_basic#int': ROUND_TRIP,
    'pickle.TestPickle.test_pickle_basic#float': ROUND_TRIP,
    'pickle.TestPickle.test_pickle_basic#str': ROUND_TRIP,
    'pickle.TestPickle.test_pickle_basic#unicode': `${ROUND_TRIP}; Python 2 unicode vs str is a Python-only distinction`,
    'pickle.TestPickle.test_pickle_basic#bytes': `${ROUND_TRIP}; Python bytes are a Python-only object`,
    'pickle.TestPickle.test_pickle_basic#tuple': `${ROUND_TRIP}; Python tuples are a Python-only object`,
    'pickle.TestPickle.test_pickle_basic#list': ROUND_TRIP,
    'pickle.TestPickle.test_pickle_basic#dict': ROUND_TRIP,
    'pickle.TestPickle.test_pickle_basic#nested_dict': ROUND_TRIP,
    'pickle.TestPickle.test_pickle_error':
      'pickle: the error comes from pickling Python-only objects (an open file, a lambda), which have no JSON stand-in in a TypeScript engine',
    'pickle.TestPickle.test_basic_task#str_times_int':
      'Python-only object semantics: "*" * 4 repeats a Python str; the case has no script equivalent and JavaScript gives NaN',
    'pickle.TestPickle.test_inputs_from_file':
      'pickle: inputs are pickle.base64 files written by converting a Python tuple; pickle bytes have no JSON stand-in in a TypeScript engine',
  },
);
