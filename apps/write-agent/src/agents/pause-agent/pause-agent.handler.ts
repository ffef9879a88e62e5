import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideAgent } from '@app/domain';
import { CommandRunner } from '../../commands/command-runner.js';
import { agentPersistence } from '../../persistence/agent.persistence.js';
import { StateLoader } from '../../persistence/state-loader.js';
import { PauseAgentCommand } from './pause-agent.command.js';

@CommandHandler(PauseAgentCommand)
export class PauseAgentHandler implements ICommandHandler<PauseAgentCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly states: StateLoader,
  ) {}

  execute(command: PauseAgentCommand) {
    return this.runner.run(command, agentPersistence, {
      load: async ({ id }, tx) => ({ state: await this.states.agent(id, tx) }),
      decide: decideAgent,
    });
  }
}
