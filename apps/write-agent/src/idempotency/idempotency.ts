import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/domain';
import { ProblemException, toProblem } from '@app/platform';
import type { CommandResult } from '../commands/command-result.js';
import { countCommand } from '../commands/command-outcomes.js';
import { tokenOf } from '../persistence/appended.js';
import { LogHead } from '../persistence/log-head.js';
import { isSameRequest, type IdempotencyClaim } from './idempotency-claim.js';
import { IdempotencyKeys, type StoredKey } from './idempotency-keys.js';
import { IdempotencyRaceError } from './idempotency-race.error.js';
import { keyReused, markReused } from './reused-key.js';

export interface IdempotentAnswer {
  readonly result: CommandResult;
  /** True when this is the stored first answer, not a new run. */
  readonly replayed: boolean;
}

const REPLAYED = { 'Idempotent-Replayed': 'true' };

/**
 * Idempotency-Key, end to end: a key already answered replays its first answer (a
 * refusal too) without running the command; a refusal is stored after the fact, a
 * success by the command's own statement (IdempotencyKeys.successCte); a request that
 * loses the race for a key replays the winner's answer.
 */
@Injectable()
export class Idempotency {
  constructor(
    private readonly keys: IdempotencyKeys,
    private readonly logHead: LogHead,
  ) {}

  async execute(command: string, claim: IdempotencyClaim | undefined, run: () => Promise<CommandResult>): Promise<IdempotentAnswer> {
    if (!claim) return { result: await run(), replayed: false };
    const stored = await this.keys.find(claim);
    if (stored && !isSameRequest(claim, stored.fingerprint)) {
      // Validation comes first (400 before 422): the pipes run, then the runner refuses.
      markReused(claim);
      return { result: await run(), replayed: false };
    }
    if (stored) return this.replay(command, claim, stored);
    try {
      return { result: await run(), replayed: false };
    } catch (error) {
      if (error instanceof IdempotencyRaceError) return this.replay(command, claim, await this.storedAfterRace(claim));
      if (error instanceof DomainError && !(await this.keys.storeRefusal(claim, toProblem(error).body))) {
        return this.replay(command, claim, await this.storedAfterRace(claim));
      }
      throw error;
    }
  }

  private async replay(command: string, claim: IdempotencyClaim, stored: StoredKey): Promise<IdempotentAnswer> {
    // Lost a race to another request: this one was valid, so nothing comes before the 422.
    if (!isSameRequest(claim, stored.fingerprint)) throw keyReused();
    countCommand(command, 'replayed');
    const { answer } = stored;
    if (answer.kind === 'refusal') throw new ProblemException(answer.problem, REPLAYED);
    if (!answer.headPending) return { result: answer.result, replayed: true };
    // The first request has committed but not yet stored its token (the head read after
    // its commit): settle it here, or take the one it settled, so both answer the same.
    const head = await this.logHead.after(claim);
    return { result: head ? { ...answer.result, position: tokenOf(head) } : answer.result, replayed: true };
  }

  /** The winner's answer: it committed before this request's statement failed on the key. */
  private async storedAfterRace(claim: IdempotencyClaim): Promise<StoredKey> {
    const stored = await this.keys.find(claim);
    if (!stored) throw new Error('the Idempotency-Key that was taken has no stored answer');
    return stored;
  }
}
