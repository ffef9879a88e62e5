import { Command } from '@nestjs/cqrs';
import type { JsonObject, UpdateAgent } from '@app/domain';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class UpdateAgentCommand extends Command<CommandResult> implements UpdateAgent {
  static readonly type = 'UpdateAgent';
  readonly type = UpdateAgentCommand.type;
  readonly name?: string;
  readonly version?: string;
  readonly config?: JsonObject;

  /** Each change given replaces the agent's (config whole). */
  constructor(
    readonly id: string,
    changes: { name?: string; version?: string; config?: JsonObject },
    readonly context: CommandContext,
  ) {
    super();
    this.name = changes.name;
    this.version = changes.version;
    this.config = changes.config;
  }
}
