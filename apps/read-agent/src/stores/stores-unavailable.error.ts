import type { LogPosition } from '@app/domain';
import { UnavailableError } from '@app/platform';

/** No store could answer the query (at the requested position, with X-Min-Position). */
export class StoresUnavailableError extends UnavailableError {
  constructor(minPosition: LogPosition | undefined) {
    super(
      minPosition
        ? 'No data store could answer at the requested position; retry shortly.'
        : 'No data store could answer; retry shortly.',
      'stores-unavailable',
      1,
    );
  }
}
