/** sessionStorage that never throws (Safari private mode, sandboxed frames, full quota). */
export function createStorage(win: Window) {
  const attempt = <T>(use: (area: Storage) => T): T | undefined => {
    try {
      return use(win.sessionStorage);
    } catch {
      return undefined; // Not fatal: the funnel works without it.
    }
  };
  return {
    // JSON.parse(null) reads "null": an absent key is undefined.
    get: <T>(key: string) => attempt((area) => JSON.parse(area.getItem(key) as string) ?? undefined) as T | undefined,
    set: (key: string, value: unknown) => attempt((area) => area.setItem(key, JSON.stringify(value))),
    remove: (key: string) => attempt((area) => area.removeItem(key)),
  };
}

export type Storage_ = ReturnType<typeof createStorage>;
