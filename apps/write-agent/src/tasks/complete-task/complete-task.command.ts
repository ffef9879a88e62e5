import { Command } from '@nestjs/cqrs';
import type { CompleteTask, JsonObject } from '@app/domain';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class CompleteTaskCommand extends Command<CommandResult> implements CompleteTask {
  static readonly type = 'CompleteTask';
  readonly type = CompleteTaskCommand.type;

  constructor(
    readonly id: string,
    readonly result: JsonObject | null,
    readonly context: CommandContext,
  ) {
    super();
  }
}
