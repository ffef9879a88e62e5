import { Command } from '@nestjs/cqrs';
import type { StartTask } from '@app/domain';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class StartTaskCommand extends Command<CommandResult> implements StartTask {
  static readonly type = 'StartTask';
  readonly type = StartTaskCommand.type;

  constructor(
    readonly id: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
