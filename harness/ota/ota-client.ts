import { setTimeout as delay } from 'node:timers/promises';
import type { PartnerConf } from './partner-conf.ts';
import type { OtaRecord } from './record.ts';
import { postFile } from './post-file.ts';

// One client for Afero's cloud OTA service and the lab service: the same REST calls the Python
// tools make. Transient network failures and 502/503/504 are retried with backoff; everything
// else is reported with the service's status, message and trace. Tokens and passwords never
// appear in an error.

export class OtaServiceError extends Error {
  constructor(readonly what: string, readonly status: number, readonly serviceMessage: string, readonly trace: string | undefined) {
    super(`${what}: the OTA service answered ${status}${serviceMessage ? `: ${serviceMessage}` : ''}${trace ? ` (trace ${trace})` : ''}`);
    this.name = 'OtaServiceError';
  }
}

export class OtaServiceUnreachableError extends Error {
  constructor(readonly what: string, readonly baseUrl: string, cause: unknown) {
    const why = (cause as { cause?: { code?: string } })?.cause?.code ?? (cause as { code?: string })?.code ?? (cause as Error)?.message ?? String(cause);
    super(`${what}: cannot reach the OTA service at ${baseUrl} (${why})`, { cause });
    this.name = 'OtaServiceUnreachableError';
  }
}

export interface FirmwareImageView {
  id: string;
  version: string;
  versionNumber: string;
  name: string;
  description: string;
  [k: string]: unknown;
}

export interface ImagePage {
  content: FirmwareImageView[];
  totalElements: number;
  totalPages: number;
}

const TYPE = 5;
const transientStatus = new Set([502, 503, 504]);

export interface ClientOptions {
  retries?: number;
  retryBaseMs?: number;
}

export class OtaServiceClient {
  private token: string | undefined;
  private readonly retries: number;
  private readonly retryBaseMs: number;

  constructor(readonly conf: PartnerConf, o: ClientOptions = {}) {
    this.retries = o.retries ?? 3;
    this.retryBaseMs = o.retryBaseMs ?? 500;
  }

  private get p(): string {
    return `/v1/ota/partners/${encodeURIComponent(this.conf.partnerId)}`;
  }

  private get dt(): string {
    return `${this.p}/deviceTypes/${encodeURIComponent(this.conf.deviceTypeId)}`;
  }

  /** One call, retried on transient failures. `file`: a POST whose body is that file, read afresh per attempt. */
  private async call(
    what: string,
    method: string,
    path: string,
    o: { json?: unknown; form?: URLSearchParams; file?: { path: string; onProgress?: (sent: number, total: number) => void }; auth?: 'bearer' | 'basic'; ok?: number[] } = {},
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (o.auth !== 'basic') headers.authorization = `Bearer ${await this.accessToken()}`;
      else headers.authorization = `Basic ${this.conf['auth-string']}`;
      let body: BodyInit | undefined;
      if (o.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(o.json);
      } else if (o.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = o.form.toString();
      }
      let res: Response;
      try {
        res = o.file ? await postFile(`${this.conf.baseUrl}${path}`, headers, o.file.path, o.file.onProgress) : await fetch(`${this.conf.baseUrl}${path}`, { method, headers, body });
      } catch (e) {
        if (attempt < this.retries) {
          await delay(this.retryBaseMs * 2 ** attempt);
          continue;
        }
        throw new OtaServiceUnreachableError(what, this.conf.baseUrl, e);
      }
      if ((o.ok ?? [200]).includes(res.status)) return res;
      if (transientStatus.has(res.status) && attempt < this.retries) {
        await res.body?.cancel();
        await delay(this.retryBaseMs * 2 ** attempt);
        continue;
      }
      if (res.status === 401 && o.auth !== 'basic' && attempt === 0 && this.token) {
        // An expired token: get a new one once.
        this.token = undefined;
        await res.body?.cancel();
        continue;
      }
      const text = await res.text();
      let msg = text.slice(0, 300);
      let trace: string | undefined;
      try {
        const j = JSON.parse(text) as { message?: string; error_description?: string; error?: string; trace?: string };
        msg = j.message ?? j.error_description ?? j.error ?? msg;
        trace = j.trace;
      } catch {
        // not JSON: keep the text
      }
      throw new OtaServiceError(what, res.status, msg, trace);
    }
  }

  /** Gets the access token now (it is otherwise fetched by the first call), to find a bad login early. */
  async logIn(): Promise<void> {
    await this.accessToken();
  }

  private async accessToken(): Promise<string> {
    if (this.token) return this.token;
    const form = new URLSearchParams({ username: this.conf.username, password: this.conf.userpw, grant_type: 'password' });
    const res = await this.call('log in', 'POST', '/oauth/token', { form, auth: 'basic' });
    const j = (await res.json()) as { access_token?: string };
    if (!j.access_token) throw new OtaServiceError('log in', res.status, 'no access_token in the answer', undefined);
    this.token = j.access_token;
    return this.token;
  }

  async recordExists(name: string, version: string): Promise<boolean> {
    const res = await this.call('check for the OTA record', 'GET', `${this.p}/pool/types/${TYPE}/names/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/exists`);
    return ((await res.json()) as { value: boolean }).value === true;
  }

  async createRecord(r: { name: string; description: string; version: string }): Promise<OtaRecord> {
    const res = await this.call('create the OTA record', 'POST', `${this.p}/pool`, { json: { name: r.name, description: r.description, type: TYPE, version: r.version, url: '' }, ok: [200, 201] });
    return (await res.json()) as OtaRecord;
  }

  /** The firmware image for a versionNumber, or undefined when it was not uploaded yet. */
  async findImage(versionNumber: string): Promise<FirmwareImageView | undefined> {
    try {
      const res = await this.call('look up the firmware image', 'GET', `${this.dt}/firmwareImages/types/${TYPE}/versionNumbers/${encodeURIComponent(versionNumber)}`);
      return (await res.json()) as FirmwareImageView;
    } catch (e) {
      if (e instanceof OtaServiceError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** Streams a file to the service (never held in memory); returns its sha256 as the service computed it. */
  async uploadBinary(file: string, onProgress?: (sent: number, total: number) => void): Promise<string> {
    const res = await this.call('upload the image', 'POST', `${this.p}/binaries`, { file: { path: file, onProgress } });
    return ((await res.json()) as { value: string }).value;
  }

  async moveToRepository(sha256: string): Promise<string> {
    const res = await this.call('store the image', 'POST', `${this.p}/binaries/moveToRepository`, { json: { value: sha256 } });
    return ((await res.json()) as { value: string }).value;
  }

  async updateRecord(r: OtaRecord): Promise<void> {
    await this.call('update the OTA record', 'PUT', `${this.p}/pool/types/${TYPE}/versionNumbers/${encodeURIComponent(r.versionNumber)}`, { json: r, ok: [200, 204] });
  }

  /** Associates the record's image with the device type; false when it already was (409). */
  async associate(r: OtaRecord): Promise<boolean> {
    try {
      await this.call('associate the image with the device type', 'POST', `${this.dt}/firmwareImages`, { json: r, ok: [200, 201] });
      return true;
    } catch (e) {
      if (e instanceof OtaServiceError && e.status === 409) return false;
      throw e;
    }
  }

  async listImages(page = 0, size = 50): Promise<ImagePage> {
    const res = await this.call('list the firmware images', 'GET', `${this.dt}/firmwareImages/types/${TYPE}?page=${page}&size=${size}&sort=versionNumber,asc`);
    return (await res.json()) as ImagePage;
  }

  async listAllImages(): Promise<FirmwareImageView[]> {
    const all: FirmwareImageView[] = [];
    for (let page = 0; ; page++) {
      const p = await this.listImages(page, 50);
      all.push(...p.content);
      if (page + 1 >= p.totalPages) return all;
    }
  }

  /** Pushes an image to a device; resolves with the service's answer text. */
  /** `labFault` (lab service only) damages the download on its way to the device. */
  async push(imageId: string, deviceId: string, o: { labFault?: string } = {}): Promise<string> {
    const res = await this.call(`push image ${imageId} to device ${deviceId}`, 'PUT', `${this.dt}/firmwareImages/${encodeURIComponent(imageId)}/push`, { json: { value: deviceId, ...(o.labFault ? { labFault: o.labFault } : {}) }, ok: [200, 202] });
    return (await res.text()) || 'Request accepted for processing';
  }
}
