import { SetMetadata } from '@nestjs/common';
import type { CommandType } from '../commands/command-type.js';

const COMMAND_TYPE = 'write-agent:command-type';

/** Marks a route with the command it runs. */
export const RunsCommand = (command: CommandType) => SetMetadata(COMMAND_TYPE, command.type);

/** The name of the command a route runs (see RunsCommand). */
export function commandTypeOf(handler: Function): string {
  const type: unknown = Reflect.getMetadata(COMMAND_TYPE, handler);
  if (typeof type !== 'string') throw new Error(`${handler.name} is not a command route`);
  return type;
}
