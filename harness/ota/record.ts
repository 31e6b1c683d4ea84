// The OTA record: what the OTA service keeps about one image, and what is baked into the image
// as /etc/full_ota_record.json (the running version comes from it). Limits as Afero's service.

export interface OtaRecord {
  createdTimestamp: number;
  description: string;
  id: string;
  name: string;
  partnerId: string;
  tags: string[];
  type: number;
  updatedTimestamp: number;
  url: string;
  version: string;
  versionNumber: string;
}

export const recordLimits = { name: 35, description: 500, tag: 35 };

/** The friendly version: config version + "." + build number, + "d" for a debug build. */
export function recordVersion(configVersion: string, buildNumber: string | number, debug: boolean): string {
  return `${configVersion}.${buildNumber}${debug ? 'd' : ''}`;
}

/** Problems with the user-supplied fields of a record, one line each (empty when fine). */
export function recordProblems(r: { name?: unknown; description?: unknown; tags?: unknown; version?: unknown; type?: unknown }): string[] {
  const p: string[] = [];
  if (typeof r.name !== 'string' || r.name.length === 0) p.push('name: expected a non-empty string');
  else if (r.name.length > recordLimits.name) p.push(`name: at most ${recordLimits.name} characters, found ${r.name.length}`);
  if (r.description !== undefined && typeof r.description !== 'string') p.push('description: expected a string');
  else if (typeof r.description === 'string' && r.description.length > recordLimits.description) p.push(`description: at most ${recordLimits.description} characters, found ${r.description.length}`);
  if (r.tags !== undefined) {
    if (!Array.isArray(r.tags)) p.push('tags: expected a list of strings');
    else
      r.tags.forEach((t, i) => {
        if (typeof t !== 'string' || t.length > recordLimits.tag) p.push(`tags[${i}]: expected a string of at most ${recordLimits.tag} characters`);
      });
  }
  if (typeof r.version !== 'string' || r.version.length === 0) p.push('version: expected a non-empty string');
  if (r.type !== 5) p.push(`type: expected 5 (full hub image), found ${JSON.stringify(r.type)}`);
  return p;
}
