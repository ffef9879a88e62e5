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

  execute(command: RetireAgentCommand) {
    return this.runner.run(command, agentPersistence, {
      load: async ({ id }, tx) => ({ state: await this.states.agent(id, tx) }),
      decide: decideAgent,
      // Its guard (no open task) reads tasks, which submissions change without updating
      // the agent's row: only the locked path sees them all (docs/adr/0005).
      alwaysLocked: true,
    });
  }
}
