import { REDACTED, isSecretName, mapSpecEnv } from '../secrets';
import type { TaskJSON } from '../spec';
import { MissingSecretsError } from './missing-secrets-error';

/**
 * The spec a run record kept, with each secret the record redacted (`***`) taken from `env` (by
 * default this process's environment). Throws a MissingSecretsError naming every variable `env`
 * does not set, before anything runs.
 */
export function restoreSecrets(spec: TaskJSON, run: string, env: NodeJS.ProcessEnv = process.env): TaskJSON {
  const missing = new Set<string>();
  const restored = mapSpecEnv(spec, (name, value) => {
    if (value !== REDACTED || !isSecretName(name)) return value;
    const now = env[name];
    if (now === undefined) missing.add(name);
    return now ?? value;
  });
  if (missing.size) {
    const names = [...missing];
    throw new MissingSecretsError(
      `Run ${run} needs the environment variable${names.length > 1 ? 's' : ''} ${names.join(', ')}: its record keeps ` +
        `secret values as ${REDACTED}, so they are taken from the environment of the rerun, where ${names.length > 1 ? 'they are' : 'it is'} not set`,
      { run, variables: names },
    );
  }
  return restored;
}
