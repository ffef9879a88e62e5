import { Command } from '@nestjs/cqrs';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class StartTaskCommand extends Command<CommandResult> {
  constructor(
    readonly taskId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
