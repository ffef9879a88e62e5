import { Command } from '@nestjs/cqrs';
import type { PauseAgent } from '@app/domain';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class PauseAgentCommand extends Command<CommandResult> implements PauseAgent {
  static readonly type = 'PauseAgent';
  readonly type = PauseAgentCommand.type;

  constructor(
    readonly id: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
