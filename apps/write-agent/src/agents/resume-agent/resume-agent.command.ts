import { Command } from '@nestjs/cqrs';
import type { ResumeAgent } from '@app/domain';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class ResumeAgentCommand extends Command<CommandResult> implements ResumeAgent {
  static readonly type = 'ResumeAgent';
  readonly type = ResumeAgentCommand.type;

  constructor(
    readonly id: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
