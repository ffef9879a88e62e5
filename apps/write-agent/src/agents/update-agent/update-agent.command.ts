import { Command } from '@nestjs/cqrs';
import type { JsonObject } from '@app/domain';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class UpdateAgentCommand extends Command<CommandResult> {
  constructor(
    readonly agentId: string,
    readonly changes: { name?: string; version?: string; config?: JsonObject },
    readonly context: CommandContext,
  ) {
    super();
  }
}
