import { BadInputError } from '../core/errors.ts';

/**
 * Children one manager session may spawn: `--max-children`, else `DRYDOCK_MAX_CHILDREN`, else undefined
 * (the runner's default, 5). Throws BadInputError `invalid_budget` for anything but a positive whole
 * number. Pure.
 */
export function maxChildrenFrom(flag: string | undefined, env: NodeJS.ProcessEnv): number | undefined {
  const [name, value] =
    flag !== undefined ? ['--max-children', flag] : ['DRYDOCK_MAX_CHILDREN', env.DRYDOCK_MAX_CHILDREN];
  if (value === undefined || (flag === undefined && value.trim() === '')) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number <= 0) {
    throw new BadInputError('invalid_budget', `${name} must be a positive whole number; got "${value}".`);
  }
  return number;
}
