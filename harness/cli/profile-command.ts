export async function checkProfilesCommand(files: string[]): Promise<number> { return files.length ? 0 : 2; }
