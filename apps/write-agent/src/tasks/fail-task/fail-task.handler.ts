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

  execute(command: FailTaskCommand) {
    return this.runner.run(command, taskPersistence, {
      load: async ({ id }, tx) => ({ state: await this.states.task(id, tx) }),
      decide: decideTask,
    });
  }
}
