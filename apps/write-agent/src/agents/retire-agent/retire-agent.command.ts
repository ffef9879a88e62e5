import { Command } from '@nestjs/cqrs';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class RetireAgentCommand extends Command<CommandResult> {
  constructor(
    readonly agentId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
