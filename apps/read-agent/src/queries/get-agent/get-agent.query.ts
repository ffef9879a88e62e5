import { Query } from '@nestjs/cqrs';
import type { LogPosition } from '@app/domain';
import type { Sourced } from '../../stores/read-source.js';
import type { AgentView } from '../../read-model/views.js';

export class GetAgentQuery extends Query<Sourced<AgentView | null>> {
  constructor(
    readonly id: string,
    readonly minPosition: LogPosition | undefined,
  ) {
    super();
  }
}
