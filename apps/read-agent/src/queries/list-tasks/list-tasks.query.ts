import { Query } from '@nestjs/cqrs';
import type { LogPosition } from '@app/domain';
import type { Page, PageRequest } from '../../read-model/keyset.js';
import type { TaskFilter } from '../../read-model/task-views.sql.js';
import type { Sourced } from '../../stores/read-source.js';
import type { TaskView } from '../../read-model/views.js';

export class ListTasksQuery extends Query<Sourced<Page<TaskView>>> {
  constructor(
    readonly filter: TaskFilter,
    readonly page: PageRequest,
    readonly minPosition: LogPosition | undefined,
  ) {
    super();
  }
}
