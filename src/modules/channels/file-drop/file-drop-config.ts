/** One entry of the `fileDrops:` section of the channels file. */
export interface FileDropConfig {
  placeholder?: never;
}

export function parseFileDropsSection(raw: unknown, problems: string[]): FileDropConfig[] {
  if (raw === undefined) return [];
  problems.push('fileDrops: not built yet');
  return [];
}
