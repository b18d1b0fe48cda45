export declare const INITIAL_JS_GOAL_KB: number;
export declare function initialJavaScript(outDir: string): { files: Array<{ file: string; gzip: number }>; totalBytes: number };
export declare const kb: (bytes: number) => string;
