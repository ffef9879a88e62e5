import { Query } from '@nestjs/cqrs';
import type { LogPosition } from '@app/domain';
import type { Sourced } from '../../stores/read-source.js';
import type { TaskView } from '../../read-model/views.js';

export class GetTaskQuery extends Query<Sourced<TaskView | null>> {
  constructor(
    readonly id: string,
    readonly minPosition: LogPosition | undefined,
  ) {
    super();
  }
}
