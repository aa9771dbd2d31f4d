import { randomUUID } from 'node:crypto';

/** The messaging protocol version this kernel speaks. */
export const PROTOCOL_VERSION = '5.3';

/** A Jupyter message header. */
export interface IHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [key: string]: unknown;
}

/** A Jupyter message, as it travels between the frames and the handlers. */
export interface IMessage<C = Record<string, unknown>> {
  header: IHeader;
  parent_header: Partial<IHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** The five channels of a kernel. */
export type Channel = 'shell' | 'control' | 'iopub' | 'stdin' | 'hb';

/** The fields of a connection file this kernel reads. */
export interface IConnectionInfo {
  transport: 'tcp' | 'ipc';
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  kernel_name?: string;
}

/** A new header for a message this kernel sends in `session`. */
export function createHeader(msgType: string, session: string): IHeader {
  return {
    msg_id: randomUUID(),
    session,
    username: 'taskcell',
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** A message built from its parent: the parent's header becomes `parent_header`. */
export function createMessage<C>(
  msgType: string,
  content: C,
  session: string,
  parent?: IMessage<unknown>,
  metadata: Record<string, unknown> = {},
): IMessage<C> {
  return {
    header: createHeader(msgType, session),
    parent_header: parent ? parent.header : {},
    metadata,
    content,
    buffers: [],
  };
}

/** The reply type of a request type: `execute_request` -> `execute_reply`. */
export function replyType(requestType: string): string {
  return requestType.replace(/_request$/, '_reply');
}

/** The endpoint a channel binds to. */
export function endpoint(info: IConnectionInfo, channel: Exclude<Channel, never>): string {
  const port = info[`${channel}_port`];
  return info.transport === 'ipc' ? `ipc://${info.ip}-${port}` : `tcp://${info.ip}:${port}`;
}
