/** Where log lines come from: the console, an SSH command, a local file. */
export interface LineSource {
  readonly description: string;
  /**
   * Starts delivering lines. `onFailure` is called if the source stops by itself (its SSH channel
   * closed, its console went away for good): the lines it would carry are lost from then on.
   */
  start(onLine: (line: string) => void, onFailure?: (err: Error) => void): Promise<void>;
  stop(): Promise<void>;
}
