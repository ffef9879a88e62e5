import { Injectable } from '@nestjs/common';
import { PrimaryPool } from '../../persistence/primary-pool.js';

export interface OverdueTask {
  id: string;
  /** The revision the task had when it was found: the failure applies only to it. */
  revision: number;
  timeoutSeconds: number;
}

/** Running tasks past their deadline, oldest deadline first (index tasks_running_deadline_idx). */
@Injectable()
export class OverdueTasks {
  constructor(private readonly db: PrimaryPool) {}

  find(limit: number): Promise<OverdueTask[]> {
    return this.db.query<OverdueTask>(
      `SELECT id, revision, timeout_seconds AS "timeoutSeconds" FROM tasks
       WHERE status = 'running' AND deadline_at IS NOT NULL AND deadline_at <= now()
       ORDER BY deadline_at LIMIT $1`,
      [limit],
    );
  }
}
