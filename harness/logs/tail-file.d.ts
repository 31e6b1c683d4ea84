declare module 'tail-file' {
  import { EventEmitter } from 'node:events';
  interface TailOptions {
    startPos?: 'start' | 'end' | number;
    force?: boolean;
    sep?: string | RegExp;
    encoding?: BufferEncoding;
    pollInterval?: number;
  }
  class Tail extends EventEmitter {
    constructor(filename: string, options?: TailOptions, cb?: (line: string) => void);
    start(): Promise<void>;
    stop(): Promise<void>;
  }
  export default Tail;
}
