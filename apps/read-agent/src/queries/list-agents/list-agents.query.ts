import { Query } from '@nestjs/cqrs';
import type { AgentStatus, LogPosition } from '@app/domain';
import type { Page, PageRequest } from '../../read-model/keyset.js';
import type { Sourced } from '../../stores/read-source.js';
import type { AgentView } from '../../read-model/views.js';

export class ListAgentsQuery extends Query<Sourced<Page<AgentView>>> {
  constructor(
    readonly status: AgentStatus | undefined,
    readonly page: PageRequest,
    readonly minPosition: LogPosition | undefined,
  ) {
    super();
  }
}
