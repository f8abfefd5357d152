import { describe, expect, it } from 'vitest';
import { BadInputError, DrydockError, InternalError, NotFoundError } from '../core/errors.ts';
import { operationFailure } from './sandbox-errors.ts';

describe('operationFailure', () => {
  it("maps the supervisor's codes to core's typed errors", () => {
    expect(operationFailure('not_found', 'file_not_found', 'Nothing exists at x.')).toBeInstanceOf(
      NotFoundError,
    );
    expect(operationFailure('bad_input', 'is_directory', 'x is a directory')).toBeInstanceOf(BadInputError);
    expect(operationFailure('internal', 'io_error', 'EIO')).toBeInstanceOf(InternalError);
    expect(operationFailure('not_found', 'file_not_found', 'm')).toMatchObject({
      kind: 'not_found',
      code: 'file_not_found',
      message: 'm',
    });
  });

  it('keeps the kind and code of one it does not know (a supervisor of another version)', () => {
    const error = operationFailure('bad_input', 'new_code', 'newer');
    expect(error).not.toBeInstanceOf(BadInputError);
    expect(error).toBeInstanceOf(DrydockError);
    expect(error).toMatchObject({ kind: 'bad_input', code: 'new_code', message: 'newer' });
  });
});
