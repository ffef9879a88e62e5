import { Counter } from 'prom-client';

const commandsTotal = new Counter({
  name: 'cqrs_commands_total',
  help: 'Commands by outcome: accepted, rejected (a domain rule said no), replayed (Idempotency-Key), failed',
  labelNames: ['command', 'outcome'] as const,
});

export type CommandOutcome = 'accepted' | 'rejected' | 'replayed' | 'failed';

export function countCommand(command: string, outcome: CommandOutcome): void {
  commandsTotal.inc({ command, outcome });
}
