import { setTimeout as delay } from 'node:timers/promises';
import type { PartnerConf } from './partner-conf.ts';
import type { OtaRecord } from './record.ts';
import { postFile, ImageFileError, UploadStalledError } from './post-file.ts';
import { redact, redactUrl } from '../secrets.ts';
import { NotAnOtaServiceError, OtaServiceError, OtaServiceTimeoutError, OtaServiceUnreachableError, networkReason, serviceAnswerError } from './service-errors.ts';

export { NotAnOtaServiceError, OtaServiceError, OtaServiceTimeoutError, OtaServiceUnreachableError } from './service-errors.ts';

// One client for Afero's cloud OTA service and the lab service: the same REST calls the Python
// tools make. Transient network failures and 502/503/504 are retried with backoff; a request
// that gets no answer in time is not (the service may have acted on it). Every failure is one of
// the classes in service-errors.ts, with the service's status, message and trace. Tokens,
// passwords and URL credentials never appear in an error.

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
  /** Time for each request's answer, body included (an upload: for any progress). Default 30 s. */
  requestTimeoutMs?: number;
}

/** An answer with an expected status, its body read whole. */
interface Answer {
  what: string;
  status: number;
  url: string;
  contentType: string;
  text: string;
}

const isTimeout = (e: unknown) => (e as Error)?.name === 'TimeoutError' || e instanceof UploadStalledError;

export class OtaServiceClient {
  private token: string | undefined;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  readonly requestTimeoutMs: number;

  constructor(readonly conf: PartnerConf, o: ClientOptions = {}) {
    this.retries = o.retries ?? 3;
    this.retryBaseMs = o.retryBaseMs ?? 500;
    this.requestTimeoutMs = o.requestTimeoutMs ?? 30_000;
  }

  /** Text with this client's secrets taken out. */
  private redact(text: string): string {
    return redact(text, [this.conf.userpw, this.conf['auth-string'], this.token]);
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
  ): Promise<Answer> {
    const url = `${this.conf.baseUrl}${path}`;
    const shownUrl = redactUrl(url);
    const seconds = `${this.requestTimeoutMs / 1000} s`;
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
      let text: string;
      try {
        res = o.file
          ? await postFile(url, headers, o.file.path, o.file.onProgress, this.requestTimeoutMs)
          : await fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.requestTimeoutMs) });
        text = await res.text();
      } catch (e) {
        if (e instanceof ImageFileError) throw e;
        if (isTimeout(e)) {
          const how = o.file ? `${method} ${shownUrl}: no progress for ${seconds}` : `${method} ${shownUrl} gave no answer within ${seconds}`;
          throw new OtaServiceTimeoutError(what, how, this.requestTimeoutMs);
        }
        if (attempt < this.retries) {
          await delay(this.retryBaseMs * 2 ** attempt);
          continue;
        }
        throw new OtaServiceUnreachableError(what, redactUrl(this.conf.baseUrl), this.redact(networkReason(e)));
      }
      const answer = { what, status: res.status, url: shownUrl, contentType: res.headers.get('content-type') ?? '', text };
      if ((o.ok ?? [200]).includes(res.status)) return answer;
      if (transientStatus.has(res.status) && attempt < this.retries) {
        await delay(this.retryBaseMs * 2 ** attempt);
        continue;
      }
      if (res.status === 401 && o.auth !== 'basic' && attempt === 0 && this.token) {
        // An expired token: get a new one once.
        this.token = undefined;
        continue;
      }
      if (answer.contentType.startsWith('text/html')) throw this.notAnOtaService(answer); // a web page is no OTA service's refusal
      let msg = text.slice(0, 300);
      let trace: string | undefined;
      try {
        const j = JSON.parse(text) as { message?: string; error_description?: string; error?: string; trace?: string };
        msg = j.message ?? j.error_description ?? j.error ?? msg;
        trace = j.trace;
      } catch {
        // not JSON: keep the text
      }
      throw serviceAnswerError({ what, status: res.status, serviceMessage: this.redact(String(msg)), trace: trace === undefined ? undefined : this.redact(String(trace)) });
    }
  }

  /** The answer's JSON; anything else means whatever answered is not an OTA service. */
  private json<T>(a: Answer): T {
    try {
      return JSON.parse(a.text) as T;
    } catch {
      throw this.notAnOtaService(a);
    }
  }

  private notAnOtaService(a: Answer): NotAnOtaServiceError {
    const sample = this.redact(a.text.replace(/\s+/g, ' ').trim().slice(0, 60));
    return new NotAnOtaServiceError(a.what, a.url, redactUrl(this.conf.baseUrl), a.status, a.contentType.split(';')[0], sample);
  }

  /** Gets the access token now (it is otherwise fetched by the first call), to find a bad login early. */
  async logIn(): Promise<void> {
    await this.accessToken();
  }

  private async accessToken(): Promise<string> {
    if (this.token) return this.token;
    const form = new URLSearchParams({ username: this.conf.username, password: this.conf.userpw, grant_type: 'password' });
    const res = await this.call('log in', 'POST', '/oauth/token', { form, auth: 'basic' });
    const j = this.json<{ access_token?: string }>(res);
    if (typeof j?.access_token !== 'string' || !j.access_token) throw new NotAnOtaServiceError('log in', res.url, redactUrl(this.conf.baseUrl), res.status, res.contentType.split(';')[0], 'JSON without access_token');
    this.token = j.access_token;
    return this.token;
  }

  async recordExists(name: string, version: string): Promise<boolean> {
    const res = await this.call('check for the OTA record', 'GET', `${this.p}/pool/types/${TYPE}/names/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/exists`);
    return this.json<{ value: boolean }>(res).value === true;
  }

  async createRecord(r: { name: string; description: string; version: string }): Promise<OtaRecord> {
    const res = await this.call('create the OTA record', 'POST', `${this.p}/pool`, { json: { name: r.name, description: r.description, type: TYPE, version: r.version, url: '' }, ok: [200, 201] });
    return this.json<OtaRecord>(res);
  }

  /** The firmware image for a versionNumber, or undefined when it was not uploaded yet. */
  async findImage(versionNumber: string): Promise<FirmwareImageView | undefined> {
    try {
      const res = await this.call('look up the firmware image', 'GET', `${this.dt}/firmwareImages/types/${TYPE}/versionNumbers/${encodeURIComponent(versionNumber)}`);
      return this.json<FirmwareImageView>(res);
    } catch (e) {
      if (e instanceof OtaServiceError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** Streams a file to the service (never held in memory); returns its sha256 as the service computed it. */
  async uploadBinary(file: string, onProgress?: (sent: number, total: number) => void): Promise<string> {
    const res = await this.call('upload the image', 'POST', `${this.p}/binaries`, { file: { path: file, onProgress } });
    return this.json<{ value: string }>(res).value;
  }

  async moveToRepository(sha256: string): Promise<string> {
    const res = await this.call('store the image', 'POST', `${this.p}/binaries/moveToRepository`, { json: { value: sha256 } });
    return this.json<{ value: string }>(res).value;
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
    return this.json<ImagePage>(res);
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
    return res.text || 'Request accepted for processing';
  }
}
