/** Girder Worker's number_list tests: `c = a + b` over the native and `json` formats, the port default, a missing input. */
import { conformance } from './harness';
import { checkRunCase } from './gw-run';

conformance('number_list.json', (c) => checkRunCase(c));
