import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideTask } from '@app/domain';
import { CommandRunner } from '../../commands/command-runner.js';
import { StateLoader } from '../../persistence/state-loader.js';
import { taskPersistence } from '../../persistence/task.persistence.js';
import { FailTaskCommand } from './fail-task.command.js';

@CommandHandler(FailTaskCommand)
export class FailTaskHandler implements ICommandHandler<FailTaskCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly states: StateLoader,
  ) {}

  execute({ taskId, error, context }: FailTaskCommand) {
    return this.runner.run(taskPersistence, taskId, 'FailTask', context, {
      load: () => this.states.task(taskId),
      decide: (state) => decideTask(state, { type: 'FailTask', error }, { now: new Date(), aggregateId: taskId }),
    });
  }
}
