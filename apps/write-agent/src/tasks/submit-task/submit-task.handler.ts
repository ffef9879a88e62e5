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

  execute(command: SubmitTaskCommand) {
    return this.runner.run(command, taskPersistence, {
      // The optimistic attempt presumes the agent takes tasks and reads nothing: the insert's
      // own guard (the agent active, held FOR SHARE) checks it in the same statement. When
      // the guard misses, the locked attempt reads the agent and decides on it, so an unknown
      // or paused agent still gets its own answer (docs/adr/0010-submit-task-in-one-statement.md).
      // A taken task id is found by the primary key on insert.
      load: async ({ agentId }, tx) => ({
        state: null,
        context: { agent: tx ? await this.states.submissionTarget(agentId, tx) : presumedAcceptingTasks(agentId) },
      }),
      decide: decideTask,
    });
  }
}

function presumedAcceptingTasks(id: string): Pick<AgentState, 'id' | 'status'> {
  return { id, status: 'active' };
}
