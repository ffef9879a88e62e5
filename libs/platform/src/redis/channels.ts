/** Redis pub/sub channel: the write agent announces appended events; projectors wake up. */
export const EVENTS_APPENDED_CHANNEL = 'cqrs:events-appended';
