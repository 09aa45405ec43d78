// Types of espruino-bundle.mjs, for the tests that import it.
export declare const ESPRUINO_SUPPORTED: { [feature: string]: boolean };
export declare const ESPRUINO_EXTERNALS: string[];
export declare function toModuleExports(code: string): string;
export declare function paramsToArguments(code: string): string;
export declare function buildEspruino(entry: string, outBase: string, banner?: string, hot?: string[], options?: { replace?: { [from: string]: string }; strip?: { className: string; drop?: string[]; empty?: string[] } }): Promise<{ [file: string]: number }>;
export declare const FOLD_MAX_CHARS: number;
export declare const COLD_FOLD_MAX_CHARS: number;
export declare const WARM: string[];
export declare const KEEP: string[];
