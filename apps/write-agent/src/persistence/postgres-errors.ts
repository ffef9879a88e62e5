/** A unique_violation (23505) and the constraint it hit, as node-postgres reports it. */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  const pgError = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const source = pgError?.driverError ?? pgError;
  return source?.code === '23505' ? source.constraint : undefined;
}
