import { Command } from '@nestjs/cqrs';
import type { RetireAgent } from '@app/domain';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class RetireAgentCommand extends Command<CommandResult> implements RetireAgent {
  static readonly type = 'RetireAgent';
  readonly type = RetireAgentCommand.type;

  constructor(
    readonly id: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
