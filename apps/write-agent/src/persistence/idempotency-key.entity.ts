import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The first answer to a request sent with an Idempotency-Key, per token subject. */
@Entity('idempotency_keys')
export class IdempotencyKeyEntity {
  @PrimaryColumn('text') subject: string;
  @PrimaryColumn('varchar', { length: 255 }) key: string;
  @Column('char', { name: 'request_hash', length: 64 }) requestHash: string;
  @Column('smallint', { name: 'status_code' }) statusCode: number;
  @Column('jsonb') response: Record<string, unknown>;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}
