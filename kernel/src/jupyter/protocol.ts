import { TaskcellError } from '@taskcell/core/lib/errors';
import { core } from './core';
import { MIME } from '@taskcell/display';
import { bundleOf } from '../display';
import { pendingRunOf } from '../pending-run';
import { InterruptedError } from './errors';
import type { Executor } from './executor';
import { History } from './history';
import type { IHistoryQuery } from './history';
import type { CommManager } from './comms';
import type { OutputRouter } from './output';
import { PROTOCOL_VERSION } from './messages';
import type { IConnectionInfo, IMessage } from './messages';
import { kernelLog } from './log';

/** A reply's content. */
export type ReplyContent = Record<string, unknown>;

/** What a handler learns about the request beyond its content. */
export interface IRequestContext {
  /** Which socket the request came on. */
  channel: 'shell' | 'control';
}

/** What the protocol asks of the server after a request: nothing, abort queued executes, or shut down. */
export interface IOutcome {
  reply?: ReplyContent;
  /** An execute failed with stop_on_error: the server aborts the executes queued behind it. */
  abortQueue?: boolean;
  /** The server shuts the kernel down after sending the reply. */
  shutdown?: boolean;
}

/**
 * The messaging protocol, 5.3: a request's content in, its reply's content out, with outputs
 * published through the OutputRouter under the request. Knows nothing of sockets or signatures.
 */
export class KernelProtocol {
  /** The execution counter: the number of the last cell stored in history. */
  executionCount = 0;
  private readonly history = new History();

  constructor(private readonly options: KernelProtocol.IOptions) {}

  /** Handle one request; unknown types are logged and get no reply. */
  async handle(msg: IMessage, ctx: IRequestContext): Promise<IOutcome> {
    const type = msg.header.msg_type;
    const c = msg.content;
    switch (type) {
      case 'kernel_info_request':
        return { reply: this.kernelInfo() };
      case 'execute_request':
        return this.execute(msg);
      case 'complete_request':
        return { reply: await this.complete(String(c.code ?? ''), Private.cursor(c)) };
      case 'inspect_request':
        return { reply: await this.inspect(String(c.code ?? ''), Private.cursor(c)) };
      case 'is_complete_request':
        return { reply: await this.isComplete(String(c.code ?? '')) };
      case 'history_request':
        return { reply: { status: 'ok', history: this.history.query(c as IHistoryQuery) } };
      case 'comm_info_request':
        return { reply: { status: 'ok', comms: this.options.comms.info(typeof c.target_name === 'string' ? c.target_name : undefined) } };
      case 'comm_open':
        this.options.comms.open(msg);
        return {};
      case 'comm_msg':
        this.options.comms.message(msg);
        return {};
      case 'comm_close':
        this.options.comms.close(msg);
        return {};
      case 'connect_request': {
        const i = this.options.connection;
        return {
          reply: {
            status: 'ok',
            shell_port: i.shell_port,
            iopub_port: i.iopub_port,
            stdin_port: i.stdin_port,
            hb_port: i.hb_port,
            control_port: i.control_port,
          },
        };
      }
      case 'interrupt_request':
        this.interrupt();
        return { reply: { status: 'ok' } };
      case 'shutdown_request':
        core().getRunner().cancelAll();
        return { reply: { status: 'ok', restart: c.restart === true }, shutdown: true };
      default:
        kernelLog(`unknown message type ${JSON.stringify(type)} on ${ctx.channel}; ignored`);
        return {};
    }
  }

  /** The reply to an execute_request the server aborts after an earlier error: it never ran, so it has no count (as ipykernel). */
  abortedReply(): ReplyContent {
    return { status: 'aborted', execution_count: null };
  }

  /** Interrupt: end an awaiting cell and cancel every running job (the SIGINT handler calls this too). */
  interrupt(): void {
    this.options.executor.interrupt();
    core().getRunner().cancelAll();
  }

  private kernelInfo(): ReplyContent {
    return {
      status: 'ok',
      protocol_version: PROTOCOL_VERSION,
      implementation: 'taskcell',
      implementation_version: Private.version(),
      language_info: {
        name: 'typescript',
        version: Private.typescriptVersion(),
        mimetype: 'text/typescript',
        file_extension: '.ts',
        codemirror_mode: { name: 'javascript', typescript: true },
        pygments_lexer: 'typescript',
        nbconvert_exporter: 'script',
      },
      banner: `taskcell ${Private.version()}: typed tasks and workflows in TypeScript (Node ${process.version})`,
      help_links: [{ text: 'taskcell', url: 'https://github.com/taskcell/taskcell' }],
      debugger: false,
    };
  }

  private async execute(msg: IMessage): Promise<IOutcome> {
    const c = msg.content;
    const code = String(c.code ?? '');
    const silent = c.silent === true;
    const storeHistory = !silent && c.store_history !== false;
    const out = this.options.output;
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) out.publish('execute_input', { code, execution_count: count }, msg);
    if (!silent) Private.recordRunsOf(msg);
    const page = Private.pageRequest(code);
    out.flush();
    try {
      if (page) {
        const text = (await this.options.executor.inspect(page.code, page.pos)) ?? `No information about ${page.code}`;
        if (storeHistory) this.history.add(count, code);
        return {
          reply: {
            status: 'ok',
            execution_count: count,
            payload: [{ source: 'page', data: { [MIME.plain]: text }, start: 0 }],
            user_expressions: {},
          },
        };
      }
      const result = await this.options.executor.execute(code);
      let plain: string | undefined;
      const pending = result.hasValue && !silent ? pendingRunOf(result.value) : undefined;
      // A run not awaited shows its live card, updated in place until the job ends, instead of `Promise { <pending> }`.
      if (pending) pending.show();
      else if (result.hasValue && result.value !== undefined) {
        const data = bundleOf(result.value);
        plain = String(data[MIME.plain]);
        if (!silent) out.publish('execute_result', { execution_count: count, data, metadata: {} }, msg);
      }
      out.flush();
      if (storeHistory) this.history.add(count, code, plain);
      const userExpressions = await this.userExpressions(c.user_expressions);
      return { reply: { status: 'ok', execution_count: count, payload: [], user_expressions: userExpressions } };
    } catch (err) {
      if (err instanceof InterruptedError) core().getRunner().cancelAll();
      if (storeHistory) this.history.add(count, code);
      const e = errorContent(err);
      if (!silent) out.publish('error', e, msg);
      return { reply: { status: 'error', execution_count: count, ...e, user_expressions: {} }, abortQueue: c.stop_on_error !== false };
    }
  }

  private async userExpressions(expressions: unknown): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    if (!expressions || typeof expressions !== 'object') return out;
    for (const [name, expr] of Object.entries(expressions as Record<string, unknown>)) {
      try {
        const r = await this.options.executor.execute(`(${String(expr)})`, true);
        out[name] = { status: 'ok', data: bundleOf(r.value), metadata: {} };
      } catch (err) {
        out[name] = { status: 'error', ...errorContent(err) };
      }
    }
    return out;
  }

  private async complete(code: string, cursor: number): Promise<ReplyContent> {
    const pos = Private.toUtf16(code, cursor);
    try {
      const r = await this.options.executor.complete(code, pos);
      return {
        status: 'ok',
        matches: r.candidates,
        cursor_start: Private.toCodePoints(code, r.start),
        cursor_end: Private.toCodePoints(code, r.end),
        metadata: {},
      };
    } catch (err) {
      kernelLog(`completion failed: ${String(err)}`);
      return { status: 'ok', matches: [], cursor_start: cursor, cursor_end: cursor, metadata: {} };
    }
  }

  private async inspect(code: string, cursor: number): Promise<ReplyContent> {
    let text: string | undefined;
    try {
      text = await this.options.executor.inspect(code, Private.toUtf16(code, cursor));
    } catch (err) {
      kernelLog(`inspection failed: ${String(err)}`);
    }
    return { status: 'ok', found: text !== undefined, data: text !== undefined ? { [MIME.plain]: text } : {}, metadata: {} };
  }

  private async isComplete(code: string): Promise<ReplyContent> {
    const r = await this.options.executor.isComplete(code);
    return r.status === 'incomplete' ? { status: 'incomplete', indent: r.indent ?? '' } : { status: r.status };
  }
}

/** The KernelProtocol's collaborators. */
export namespace KernelProtocol {
  /** What the protocol works with. */
  export interface IOptions {
    executor: Executor;
    output: OutputRouter;
    comms: CommManager;
    connection: IConnectionInfo;
  }
}

namespace Private {
  /**
   * Runs started by this cell are recorded (in `.taskcell/runs.db`, or `$TASKCELL_RUNS_DB`; none with
   * `TASKCELL_RUNS=0`) with the notebook (Jupyter's session name) and the cell's id. The store opens
   * when the first run is recorded, so a kernel whose cells run no task never opens it.
   */
  export function recordRunsOf(msg: IMessage): void {
    const c = core();
    const recorder = c.runRecorder() ?? c.recordRunsIfEnabled(c.getRunner());
    const cell = msg.metadata.cellId;
    if (recorder) recorder.context = { notebook: process.env.JPY_SESSION_NAME, cell: typeof cell === 'string' ? cell : undefined };
  }

  export function version(): string {
    return (require('../../package.json') as { version: string }).version;
  }

  export function typescriptVersion(): string {
    try {
      const { createRequire } = require('node:module') as typeof import('node:module');
      return (createRequire(require.resolve('tslab/package.json'))('@tslab/typescript-for-tslab/package.json') as { version: string })
        .version;
    } catch {
      return '5';
    }
  }

  export function cursor(c: Record<string, unknown>): number {
    const code = String(c.code ?? '');
    return typeof c.cursor_pos === 'number' ? c.cursor_pos : [...code].length;
  }

  /** Jupyter counts cursor positions in code points; JavaScript strings in UTF-16 units. */
  export function toUtf16(code: string, codePoints: number): number {
    let units = 0;
    let n = 0;
    for (const ch of code) {
      if (n++ >= codePoints) break;
      units += ch.length;
    }
    return units;
  }

  export function toCodePoints(code: string, units: number): number {
    return [...code.slice(0, units)].length;
  }

  /** `expr?` or `?expr` asks for the pager, as in IPython. */
  export function pageRequest(code: string): { code: string; pos: number } | undefined {
    const t = code.trim();
    const m = /^\?\s*([\w$.]+)$/.exec(t) ?? /^([\w$.]+)\s*\?$/.exec(t);
    return m ? { code: m[1], pos: m[1].length } : undefined;
  }
}

/** The content of an `error` message (and of a failed reply) for a thrown value. */
export function errorContent(err: unknown): { ename: string; evalue: string; traceback: string[] } {
  if (err instanceof Error) {
    const ename = err instanceof TaskcellError ? `${err.name} [${err.code}]` : err.name || 'Error';
    const evalue = err.message;
    const frames = (err.stack ?? '')
      .split('\n')
      .slice(1)
      .filter((l) => /^\s+at /.test(l) && !/node:internal|node:vm|node:async_hooks|[\\/]kernel[\\/](lib|src)[\\/]jupyter[\\/]/.test(l));
    return { ename, evalue, traceback: [`${ename}: ${evalue}`, ...frames] };
  }
  const evalue = (() => {
    try {
      return typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
    } catch {
      return String(err);
    }
  })();
  return { ename: 'Thrown', evalue, traceback: [`Uncaught ${evalue}`] };
}
