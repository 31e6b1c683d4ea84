/** Where log lines come from: the console, an SSH command, a local file. */
export interface LineSource {
  readonly description: string;
  start(onLine: (line: string) => void): Promise<void>;
  stop(): Promise<void>;
}
