import type { CommandContext } from './command-context.js';

/**
 * A command class. Its static `type` is the command's name, written once: the
 * instances' `type` (the domain's discriminant), the event metadata, the metrics
 * label and the OpenAPI operation id all come from it.
 */
export interface CommandType {
  readonly type: string;
  readonly prototype: RunnableCommand;
}

/** What the runner needs of every command: its name, the aggregate it targets, its context. */
export interface RunnableCommand {
  readonly type: string;
  readonly id: string;
  readonly context: CommandContext;
}
