/**
 * Preloaded (`node --import`) into every Node process the bench starts: when the bench
 * process disappears (even by SIGKILL), the child's stdin pipe closes and the child
 * terminates itself with SIGTERM, i.e. through its normal graceful shutdown.
 */
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
