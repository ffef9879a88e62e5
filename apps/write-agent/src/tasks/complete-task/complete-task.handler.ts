import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideTask } from '@app/domain';
import { CommandRunner } from '../../commands/command-runner.js';
import { StateLoader } from '../../persistence/state-loader.js';
import { taskPersistence } from '../../persistence/task.persistence.js';
import { CompleteTaskCommand } from './complete-task.command.js';

@CommandHandler(CompleteTaskCommand)
export class CompleteTaskHandler implements ICommandHandler<CompleteTaskCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly states: StateLoader,
  ) {}

  execute({ taskId, result, context }: CompleteTaskCommand) {
    return this.runner.run(taskPersistence, taskId, 'CompleteTask', context, {
      load: () => this.states.task(taskId),
      decide: (state) => decideTask(state, { type: 'CompleteTask', result }, { now: new Date(), aggregateId: taskId }),
    });
  }
}
