import { Command } from '@nestjs/cqrs';
import type { JsonObject, RegisterAgent } from '@app/domain';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class RegisterAgentCommand extends Command<CommandResult> implements RegisterAgent {
  static readonly type = 'RegisterAgent';
  readonly type = RegisterAgentCommand.type;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly version: string,
    readonly config: JsonObject,
    readonly context: CommandContext,
  ) {
    super();
  }
}
