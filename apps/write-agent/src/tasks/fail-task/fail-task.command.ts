import { Command } from '@nestjs/cqrs';
import type { FailTask } from '@app/domain';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class FailTaskCommand extends Command<CommandResult> implements FailTask {
  static readonly type = 'FailTask';
  readonly type = FailTaskCommand.type;

  constructor(
    readonly id: string,
    readonly error: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
