import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideAgent } from '@app/domain';
import { CommandRunner } from '../../commands/command-runner.js';
import { agentPersistence } from '../../persistence/agent.persistence.js';
import { RegisterAgentCommand } from './register-agent.command.js';

@CommandHandler(RegisterAgentCommand)
export class RegisterAgentHandler implements ICommandHandler<RegisterAgentCommand> {
  constructor(private readonly runner: CommandRunner) {}

  execute(command: RegisterAgentCommand) {
    return this.runner.run(command, agentPersistence, {
      // A taken id is found by the primary key on insert, saving a round trip.
      load: async () => ({ state: null }),
      decide: decideAgent,
    });
  }
}
