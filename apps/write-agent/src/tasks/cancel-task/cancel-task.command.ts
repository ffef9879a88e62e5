import { Command } from '@nestjs/cqrs';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class CancelTaskCommand extends Command<CommandResult> {
  constructor(
    readonly taskId: string,
    readonly reason: string | null,
    readonly context: CommandContext,
  ) {
    super();
  }
}
