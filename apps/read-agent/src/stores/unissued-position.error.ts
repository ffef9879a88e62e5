import { ProblemException } from '@app/platform';

/**
 * An X-Min-Position that no command answered: its event is not in the log on the primary,
 * which holds every committed event. Refused at once rather than waited for, as the
 * contract's 400 for a token that does not parse, so a forged token costs one lookup.
 */
export class UnissuedPositionError extends ProblemException {
  constructor() {
    super(
      ProblemException.badRequest(
        'X-Min-Position is not a position any command answered.',
        [{ field: 'x-min-position', message: 'must be a position token from a command answer' }],
        'invalid-header',
      ).problem,
    );
  }
}
