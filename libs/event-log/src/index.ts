export * from './database-history.js';
export * from './event-log.reader.js';
export * from './log-source.js';
export * from './log-source-policy.js';
export * from './logged-event.js';
