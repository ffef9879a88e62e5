import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { LogPosition } from '@app/domain';
import type { RelayPrimary } from './relay-primary.js';

export const RELAY_NAME = 'rabbitmq';

interface LeaseRow {
  epoch: string;
  tx: string;
  pos: string;
}

/** The lease as won: its fencing epoch and the checkpoint to publish after. */
export interface HeldLease {
  epoch: bigint;
  checkpoint: LogPosition;
}

/**
 * The relay lease in `relay_leases` on the primary: one holder across every write agent.
 * Acquiring bumps the fencing epoch; renewals and checkpoint writes match that epoch, so a
 * holder that froze past its lease and was replaced changes nothing when it wakes. Expiry
 * is judged by the database's clock alone.
 */
export class RelayLease {
  readonly candidate = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private epoch: bigint | null = null;
  /** Until when (this process's monotonic clock) the lease is surely still ours. */
  private safeUntil = 0;
  private renewal: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: RelayPrimary,
    readonly leaseMs: number,
  ) {}

  get held(): boolean {
    return this.epoch !== null;
  }

  /** Whether the lease is ours with time to spare, measured from when the last renewal was sent. */
  get fresh(): boolean {
    return this.held && performance.now() < this.safeUntil;
  }

  async tryAcquire(): Promise<HeldLease | null> {
    await this.db.rows(`INSERT INTO relay_leases (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [RELAY_NAME]);
    const sentAt = performance.now();
    const [row] = await this.db.rows<LeaseRow>(
      `UPDATE relay_leases
          SET holder = $2, epoch = epoch + 1, expires_at = now() + $3 * interval '1 millisecond', updated_at = now()
        WHERE name = $1 AND (holder IS NULL OR expires_at <= now())
        RETURNING epoch::text AS epoch, checkpoint_tx::text AS tx, checkpoint_position::text AS pos`,
      [RELAY_NAME, this.candidate, this.leaseMs],
    );
    if (!row) return null;
    this.epoch = BigInt(row.epoch);
    this.trustUntil(sentAt);
    return { epoch: this.epoch, checkpoint: { txId: BigInt(row.tx), position: BigInt(row.pos) } };
  }

  /**
   * Moves the checkpoint (and renews the lease), only under the epoch it was won with;
   * false when the lease has been taken over meanwhile.
   */
  async checkpoint(to: LogPosition): Promise<boolean> {
    return this.fenced(
      `UPDATE relay_leases
          SET checkpoint_tx = $3::xid8, checkpoint_position = $4, expires_at = now() + $5 * interval '1 millisecond', updated_at = now()
        WHERE name = $1 AND epoch = $2 RETURNING 1 AS ok`,
      [to.txId.toString(), to.position.toString(), this.leaseMs],
    );
  }

  async renew(): Promise<boolean> {
    return this.fenced(
      `UPDATE relay_leases SET expires_at = now() + $3 * interval '1 millisecond' WHERE name = $1 AND epoch = $2 RETURNING 1 AS ok`,
      [this.leaseMs],
    );
  }

  /** Renews every leaseMs/3 until the lease is lost or released; `onLost` hears why it ended. */
  keepAlive(onLost: (reason: string) => void): void {
    const tick = async () => {
      if (!this.held) return;
      try {
        if (!(await this.renew())) return onLost('the lease was taken over');
      } catch (error) {
        // Not lost yet: the lease still holds until it expires, and `fresh` says until when.
        if (!this.fresh) onLost(`not renewed in time: ${(error as Error).message}`);
      }
      if (this.held) this.schedule(tick);
    };
    this.schedule(tick);
  }

  /** Gives the lease up at once, so another write agent takes over without waiting for expiry. */
  async release(): Promise<void> {
    clearTimeout(this.renewal);
    const epoch = this.epoch;
    this.epoch = null;
    if (epoch === null) return;
    await this.db.rows(`UPDATE relay_leases SET holder = NULL, expires_at = NULL WHERE name = $1 AND epoch = $2`, [RELAY_NAME, epoch.toString()]);
  }

  /** Forgets the lease without releasing it (it was lost, or the database is gone). */
  abandon(): void {
    clearTimeout(this.renewal);
    this.epoch = null;
  }

  private async fenced(sql: string, extra: unknown[]): Promise<boolean> {
    const epoch = this.epoch;
    if (epoch === null) return false;
    const sentAt = performance.now();
    const rows = await this.db.rows(sql, [RELAY_NAME, epoch.toString(), ...extra]);
    if (rows.length === 0) {
      if (this.epoch === epoch) this.abandon();
      return false;
    }
    this.trustUntil(sentAt);
    return true;
  }

  /** A margin of a third of the lease for the clock rates and the holder's own pauses. */
  private trustUntil(sentAt: number): void {
    this.safeUntil = sentAt + (this.leaseMs * 2) / 3;
  }

  private schedule(tick: () => Promise<void>): void {
    this.renewal = setTimeout(tick, Math.floor(this.leaseMs / 3));
    this.renewal.unref();
  }
}
