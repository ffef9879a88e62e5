import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideTask } from '@app/domain';
import { CommandRunner } from '../../commands/command-runner.js';
import { StateLoader } from '../../persistence/state-loader.js';
import { taskPersistence } from '../../persistence/task.persistence.js';
import { StartTaskCommand } from './start-task.command.js';

@CommandHandler(StartTaskCommand)
export class StartTaskHandler implements ICommandHandler<StartTaskCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly states: StateLoader,
  ) {}

  execute({ taskId, context }: StartTaskCommand) {
    return this.runner.run(taskPersistence, taskId, 'StartTask', context, {
      load: () => this.states.task(taskId),
      decide: (state) => decideTask(state, { type: 'StartTask' }, { now: new Date(), aggregateId: taskId }),
    });
  }
}
