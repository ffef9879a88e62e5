import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideAgent } from '@app/domain';
import { CommandRunner } from '../../commands/command-runner.js';
import { agentPersistence } from '../../persistence/agent.persistence.js';
import { StateLoader } from '../../persistence/state-loader.js';
import { UpdateAgentCommand } from './update-agent.command.js';

@CommandHandler(UpdateAgentCommand)
export class UpdateAgentHandler implements ICommandHandler<UpdateAgentCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly states: StateLoader,
  ) {}

  execute(command: UpdateAgentCommand) {
    return this.runner.run(command, agentPersistence, {
      load: async ({ id }, tx) => ({ state: await this.states.agent(id, tx) }),
      decide: decideAgent,
    });
  }
}
