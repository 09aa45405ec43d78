// Types of espruino-arrows.mjs, for the tests that import it.
export declare function arrowsUsingThis(code: string): { start: number; end: number; at: string }[];
export declare function checkNoArrowThis(code: string, what?: string): void;
export declare function captureArrowThis(code: string): string;
