import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideAgent } from '@app/domain';
import { CommandRunner } from '../../commands/command-runner.js';
import { agentPersistence } from '../../persistence/agent.persistence.js';
import { StateLoader } from '../../persistence/state-loader.js';
import { ResumeAgentCommand } from './resume-agent.command.js';

@CommandHandler(ResumeAgentCommand)
export class ResumeAgentHandler implements ICommandHandler<ResumeAgentCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly states: StateLoader,
  ) {}

  execute(command: ResumeAgentCommand) {
    return this.runner.run(command, agentPersistence, {
      load: async ({ id }, tx) => ({ state: await this.states.agent(id, tx) }),
      decide: decideAgent,
    });
  }
}
