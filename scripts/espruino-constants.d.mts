// Types of espruino-constants.mjs, for the tests that import it.
export declare function inlineConstants(code: string): { code: string; names: string[] };
