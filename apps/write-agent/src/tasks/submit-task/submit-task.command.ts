import { Command } from '@nestjs/cqrs';
import type { JsonObject, SubmitTask } from '@app/domain';
import type { CommandContext } from '../../commands/command-context.js';
import type { CommandResult } from '../../commands/command-result.js';

export class SubmitTaskCommand extends Command<CommandResult> implements SubmitTask {
  static readonly type = 'SubmitTask';
  readonly type = SubmitTaskCommand.type;

  constructor(
    readonly id: string,
    readonly agentId: string,
    readonly taskType: string,
    readonly payload: JsonObject,
    readonly timeoutSeconds: number | null,
    readonly context: CommandContext,
  ) {
    super();
  }
}
