import { readFileSync } from 'node:fs';
import { ConnectionFileError } from './errors';
import type { IConnectionInfo } from './messages';

/** Read and check a Jupyter connection file. */
export function readConnectionFile(path: string): IConnectionInfo {
  let info: Partial<IConnectionInfo>;
  try {
    info = JSON.parse(readFileSync(path, 'utf8')) as Partial<IConnectionInfo>;
  } catch (err) {
    throw new ConnectionFileError(`Cannot read connection file ${path}: ${(err as Error).message}`, { path });
  }
  for (const k of ['shell_port', 'iopub_port', 'stdin_port', 'control_port', 'hb_port'] as const) {
    if (typeof info[k] !== 'number')
      throw new ConnectionFileError(`Expected a number ${k} in connection file ${path}, got ${JSON.stringify(info[k])}`, { path });
  }
  return {
    transport: info.transport === 'ipc' ? 'ipc' : 'tcp',
    ip: info.ip ?? '127.0.0.1',
    key: info.key ?? '',
    signature_scheme: info.signature_scheme ?? 'hmac-sha256',
    shell_port: info.shell_port as number,
    iopub_port: info.iopub_port as number,
    stdin_port: info.stdin_port as number,
    control_port: info.control_port as number,
    hb_port: info.hb_port as number,
    kernel_name: info.kernel_name,
  };
}
