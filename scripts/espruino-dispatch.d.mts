// Types of espruino-dispatch.mjs, for the tests that import it.
/** One size cap, or small dispatchers for the functions named in `warm` and large ones for the rest. */
export type FoldLimits = number | { warm: Set<string>; warmMax: number; coldMax: number; keep?: Set<string> };
export declare function foldModuleFunctions(code: string, limits: FoldLimits, hotRoots: Set<string>): string;
export declare function foldPrivateMethods(code: string, privateNames: Set<string>, limits: FoldLimits, hotRoots: Set<string>): string;
