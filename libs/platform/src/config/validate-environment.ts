import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** A start-up configuration problem, worded as the single line the operator will read. */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

function firstProblem(errors: ValidationError[]): string {
  const error = errors[0];
  const messages = Object.values(error.constraints ?? {});
  return `${error.property}: ${messages[0] ?? 'is invalid'}`;
}

/**
 * The environment with every empty variable left out. `NAME=` is what compose writes for
 * an unset `${NAME:-}` and what Kubernetes gives for an empty Secret or ConfigMap key, so
 * an empty value means unset (the default applies, a required one is reported missing)
 * for every variable, rather than each schema having to say so.
 */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
}

/**
 * Validates one concern's variables (a class with class-validator decorators whose
 * property names are the variable names) and returns them typed and converted.
 */
export function validateEnvironment<T extends object>(
  schema: new () => T,
  env: NodeJS.ProcessEnv = process.env,
): T {
  const instance = plainToInstance(schema, withoutEmptyValues(env), { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: false, skipMissingProperties: false });
  if (errors.length > 0) {
    throw new EnvironmentError(`Invalid environment: ${firstProblem(errors)}`);
  }
  return instance;
}
