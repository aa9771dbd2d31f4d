import { runs } from '@taskcell/core';
import type { IRunQuery } from '@taskcell/core';
import { DISPLAY_SYMBOL, runsBundle } from '@taskcell/display';
import type { IMimeBundle } from '@taskcell/display';

/**
 * The recorded runs as the Runs view: a list with filters, where two runs picked side by side show
 * their inputs' differences, their outputs and their timings. `runsView({ task, since, state })`
 * as a cell's value, or through `display()`.
 */
export function runsView(query: IRunQuery & { path?: string; title?: string } = {}): { [DISPLAY_SYMBOL](): IMimeBundle } {
  const { title, ...q } = query;
  // The specs stay in the database: the view does not show them, and the notebook would keep them all.
  const records = runs(q).map(({ spec: _spec, ...r }) => r);
  return { [DISPLAY_SYMBOL]: () => runsBundle(records, title) };
}
