import { Command } from '@nestjs/cqrs';
import type { JsonObject } from '@app/domain';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class CompleteTaskCommand extends Command<CommandResult> {
  constructor(
    readonly taskId: string,
    readonly result: JsonObject | null,
    readonly context: CommandContext,
  ) {
    super();
  }
}
