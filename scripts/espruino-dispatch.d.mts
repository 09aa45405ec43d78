// Types of espruino-dispatch.mjs, for the tests that import it.
export declare function foldModuleFunctions(code: string, maxSize: number, hotRoots: Set<string>): string;
export declare function foldPrivateMethods(code: string, privateNames: Set<string>, maxSize: number, hotRoots: Set<string>): string;
