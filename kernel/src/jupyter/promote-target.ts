import { serializeError } from '@taskcell/core/lib/errors';
import { OptionError } from '@taskcell/core/lib/errors';
import type { IDisposable } from '@taskcell/core';
import type { CommManager } from './comms';
import type { Executor } from './executor';
import { promoteCell } from '../promote';
import type { IPromoteRequest } from '../promote';

/** The comm target of "Promote cell to task": one request per comm, answered with one message, then closed. */
export const PROMOTE_TARGET = 'taskcell.promote';

/**
 * Answer promote requests: the frontend opens a comm to `PROMOTE_TARGET` with `{cell, before,
 * after, name?}` (the cell's code, the code cells above and below it); the kernel sends back
 * `{ok: true, name, code, inputs, outputs, unclear}` or `{ok: false, error}` and closes the comm.
 */
export function registerPromoteTarget(comms: CommManager, executor: Executor): IDisposable {
  return comms.registerTarget(PROMOTE_TARGET, (comm, data) => {
    const answer = async (): Promise<void> => {
      try {
        const request = Private.request(data);
        const promoted = await promoteCell(request, (previous, cell) => executor.declarations(previous, cell), executor.typescript);
        comm.send({ ok: true, ...promoted });
      } catch (err) {
        comm.send({ ok: false, error: serializeError(err) });
      }
      comm.close();
    };
    void answer();
  });
}

namespace Private {
  const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

  export function request(data: unknown): IPromoteRequest {
    const d = (data ?? {}) as Partial<Record<keyof IPromoteRequest, unknown>>;
    if (typeof d.cell !== 'string') throw new OptionError(`Expected \`cell\` to be the cell's code (a string), got ${typeof d.cell}`, {});
    if (!isStrings(d.before) || !isStrings(d.after)) {
      throw new OptionError('Expected `before` and `after` to be lists of the code of the cells above and below', {});
    }
    if (d.name !== undefined && (typeof d.name !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(d.name))) {
      throw new OptionError(`Expected \`name\` to be an identifier, got ${JSON.stringify(d.name)}`, {});
    }
    const r: IPromoteRequest = { cell: d.cell, before: d.before, after: d.after };
    if (typeof d.name === 'string') r.name = d.name;
    return r;
  }
}
