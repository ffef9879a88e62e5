import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideAgent } from '@app/domain';
import { CommandRunner } from '../../commands/command-runner.js';
import { agentPersistence } from '../../persistence/agent.persistence.js';
import { StateLoader } from '../../persistence/state-loader.js';
import { RetireAgentCommand } from './retire-agent.command.js';

@CommandHandler(RetireAgentCommand)
export class RetireAgentHandler implements ICommandHandler<RetireAgentCommand> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly states: StateLoader,
  ) {}

  execute({ agentId, context }: RetireAgentCommand) {
    return this.runner.run(agentPersistence, agentId, 'RetireAgent', context, {
      load: () => this.states.agent(agentId),
      decide: (state) => decideAgent(state, { type: 'RetireAgent' }, new Date(), agentId),
    });
  }
}
