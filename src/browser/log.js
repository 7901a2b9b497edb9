/** Every console line starts with [kfunnel]; step-by-step lines only with data-debug. */
export const log = {
    verbose: false,
    debug: (...args) => log.verbose && console.log('[kfunnel]', ...args),
    error: (...args) => console.error('[kfunnel]', ...args),
};
