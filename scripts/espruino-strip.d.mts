// Types of espruino-strip.mjs, for the tests that import it.
export declare function stripClassMembers(code: string, className: string, drop: string[], empty: string[], privateNames: Set<string>): string;
