import type { OtaServiceClient, FirmwareImageView } from './ota-client.ts';
import type { OtaRecord } from './record.ts';
import { LabFault } from '../errors.ts';

// The release flow the seed page describes, as one call: make the OTA record first (the build
// bakes it into the image), build the image, upload it, store it, update the record with its
// URL, associate it with the device type. Returns the record and the firmware image to push.

export interface PublishedImage {
  record: OtaRecord;
  image: FirmwareImageView;
  sha256: string;
}

export async function publishImage(
  client: OtaServiceClient,
  o: { name: string; version: string; description?: string; build: (record: OtaRecord) => Promise<string> },
): Promise<PublishedImage> {
  const record = await client.createRecord({ name: o.name, description: o.description ?? '', version: o.version });
  const file = await o.build(record);
  const sha256 = await client.uploadBinary(file);
  record.url = await client.moveToRepository(sha256);
  await client.updateRecord(record);
  await client.associate(record);
  const image = await client.findImage(record.versionNumber);
  // The service took the image and then does not list it: the service is broken, not the image.
  if (!image) throw new LabFault(`the OTA service lists no firmware image for versionNumber ${record.versionNumber} right after the upload`, { phase: 'publish' });
  return { record, image, sha256 };
}
