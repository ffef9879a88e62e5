import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideTask, type AgentState } from '@app/domain';
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

  execute({ id, agentId, taskType, payload, context }: SubmitTaskCommand) {
    let agent: AgentState | null = null;
    return this.runner.run(taskPersistence, id, 'SubmitTask', context, {
      // The decision depends on the agent; a taken task id is found by the primary key.
      load: async () => {
        agent = await this.states.agent(agentId);
        return null;
      },
      decide: (state) =>
        decideTask(state, { type: 'SubmitTask', id, agentId, taskType, payload }, { now: new Date(), agent }),
    });
  }
}
