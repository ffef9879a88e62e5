import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideTask } from '@app/domain';
import { CommandRunner } from '../../commands/command-runner.js';
import { StateLoader } from '../../persistence/state-loader.js';
import { taskPersistence } from '../../persistence/task.persistence.js';
import { CancelTaskCommand } from './cancel-task.command.js';

@CommandHandler(CancelTaskCommand)
export class CancelTaskHandler implements ICommandHandler<CancelTaskCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly states: StateLoader,
  ) {}

  execute({ taskId, reason, context }: CancelTaskCommand) {
    return this.runner.run(taskPersistence, taskId, 'CancelTask', context, {
      load: () => this.states.task(taskId),
      decide: (state) => decideTask(state, { type: 'CancelTask', reason }, { now: new Date(), aggregateId: taskId }),
    });
  }
}
