import { Command } from '@nestjs/cqrs';
import type { CancelTask } from '@app/domain';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class CancelTaskCommand extends Command<CommandResult> implements CancelTask {
  static readonly type = 'CancelTask';
  readonly type = CancelTaskCommand.type;

  constructor(
    readonly id: string,
    readonly reason: string | null,
    readonly context: CommandContext,
  ) {
    super();
  }
}
