/** The body of a command that takes none: absent or {}; any field is refused. */
export class NoBodyDto {}
