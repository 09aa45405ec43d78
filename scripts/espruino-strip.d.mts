// Types of espruino-strip.mjs, for the tests that import it.
export declare function stripClassMembers(code: string, className: string, drop: string[], empty: string[], privateNames: { has(name: string): boolean }): string;
export declare function stripObjectKeys(code: string, varName: string, keys: string[]): string;
