import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideTask } from '@app/domain';
import { CommandRunner } from '../../commands/command-runner.js';
import { StateLoader } from '../../persistence/state-loader.js';
import { taskPersistence } from '../../persistence/task.persistence.js';
import { SubmitTaskCommand } from './submit-task.command.js';

@CommandHandler(SubmitTaskCommand)
export class SubmitTaskHandler implements ICommandHandler<SubmitTaskCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly states: StateLoader,
  ) {}

  execute(command: SubmitTaskCommand) {
    return this.runner.run(command, taskPersistence, {
      // The decision reads the agent; a taken task id is found by the primary key on insert.
      load: async ({ agentId }, tx) => ({ state: null, context: { agent: await this.states.submissionTarget(agentId, tx) } }),
      decide: decideTask,
    });
  }
}
