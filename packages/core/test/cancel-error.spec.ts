import { CanceledError, TaskcellError, TimeoutError, toCanceledError } from '@taskcell/core';

describe('toCanceledError', () => {
  test('keeps a taskcell error as it is', () => {
    const timeout = new TimeoutError('Task ran longer than its run timeout of 5 ms', { timeout: 5 });
    expect(toCanceledError(timeout)).toBe(timeout);
    const canceled = new CanceledError('Job j was cancelled', { job: 'j' });
    expect(toCanceledError(canceled, 'another message')).toBe(canceled);
  });

  test('wraps any other reason in a CanceledError that keeps it as its cause', () => {
    const dom = new DOMException('This operation was aborted', 'AbortError');
    const e = toCanceledError(dom, 'Job 7 was cancelled', { job: '7' });
    expect(e).toBeInstanceOf(CanceledError);
    expect(e.code).toBe('taskcell:canceled');
    expect(e.message).toBe('Job 7 was cancelled');
    expect(e.context).toEqual({ job: '7' });
    expect(e.cause).toBe(dom);
    const s = toCanceledError('stop');
    expect(s).toBeInstanceOf(CanceledError);
    expect(s.message).toBe('Job was cancelled');
    expect(s.cause).toBe('stop');
    expect(TaskcellError.fromJSON(s.toJSON())).toBeInstanceOf(CanceledError);
  });
});
