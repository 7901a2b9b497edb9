/** sessionStorage that never throws (Safari private mode, sandboxed frames, full quota). */
export function createStorage(win) {
    const attempt = (use) => {
        try {
            return use(win.sessionStorage);
        }
        catch {
            return undefined; // Not fatal: the funnel works without it.
        }
    };
    return {
        get: (key) => attempt((area) => JSON.parse(area.getItem(key) ?? 'null') ?? undefined),
        set: (key, value) => attempt((area) => area.setItem(key, JSON.stringify(value))),
        remove: (key) => attempt((area) => area.removeItem(key)),
    };
}
