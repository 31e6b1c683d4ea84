import { LabFault, ProductFailure } from '../errors.ts';
import { ConfError } from './partner-conf.ts';

// The OTA client's failures, each with the side at fault as its type (LAVA's way): the lab (the
// service unreachable, silent, failing, or not an OTA service at all), the product (the service
// refused the record or image the build made), or the configuration (credentials, ids; exit 2).

/** Why a request failed on the network: the socket's code (ECONNREFUSED), or fetch's own reason ("bad port"). */
export function networkReason(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  return String(err?.cause?.code ?? err?.cause?.message ?? err?.code ?? err?.message ?? e);
}

/** The service could not be reached (refused, reset, no route, unknown host), after the retries. */
export class OtaServiceUnreachableError extends LabFault {
  /** `reason`: networkReason() of the last failure, with any secret taken out. */
  constructor(readonly what: string, readonly baseUrl: string, readonly reason: string) {
    super(`${what}: cannot reach the OTA service at ${baseUrl} (${reason})`);
  }
}

/** A request got no answer (an upload: no progress) within its time. Not retried: the service may have acted on it. */
export class OtaServiceTimeoutError extends LabFault {
  constructor(readonly what: string, message: string, readonly timeoutMs: number) {
    super(`${what}: ${message}`);
  }
}

/** Something answered, but not as an OTA service does (an HTML page, a proxy's text): a wrong baseUrl or a broken service. */
export class NotAnOtaServiceError extends LabFault {
  constructor(readonly what: string, url: string, baseUrl: string, status: number, contentType: string, sample: string) {
    super(`${what}: ${url} answered ${status} ${contentType || '(no content type)'} (${JSON.stringify(sample)}), not JSON: is ${baseUrl} an OTA service?`);
  }
}

export type ServiceFailureSide = 'lab' | 'product' | 'config';

/**
 * Who is at fault when the service refuses a call, by status:
 * - 400 (a record or push the service finds invalid), 409 (the record or association exists: the
 *   release's state), 413 (the image is too large), 422 (the image or record cannot be processed):
 *   the product, i.e. what the build or the release made; the same call with a good record works.
 * - 401 (bad credentials), 403 (the account may not use this partner), 404 (no such partner,
 *   device type, image or device: an id from the configuration or the command line): the
 *   configuration; nothing about the product or the lab's health.
 * - 5xx (the service failed), 408 and 429 (it timed out or throttles), and any other status (405,
 *   406, 415: the service does not speak the API this client does): the lab.
 */
export function sideOfStatus(status: number): ServiceFailureSide {
  if ([400, 409, 413, 422].includes(status)) return 'product';
  if ([401, 403, 404].includes(status)) return 'config';
  return 'lab';
}

export interface ServiceAnswer {
  what: string;
  status: number;
  serviceMessage: string;
  trace: string | undefined;
}

const answerText = (a: ServiceAnswer) => `${a.what}: the OTA service answered ${a.status}${a.serviceMessage ? `: ${a.serviceMessage}` : ''}${a.trace ? ` (trace ${a.trace})` : ''}`;

/** A 5xx or a status this client cannot act on. */
export class OtaServiceFault extends LabFault implements ServiceAnswer {
  constructor(readonly what: string, readonly status: number, readonly serviceMessage: string, readonly trace: string | undefined) {
    super(answerText({ what, status, serviceMessage, trace }));
  }
}

/** The service refused what the product's build or release gave it. */
export class OtaServiceRefusal extends ProductFailure implements ServiceAnswer {
  constructor(readonly what: string, readonly status: number, readonly serviceMessage: string, readonly trace: string | undefined) {
    super(answerText({ what, status, serviceMessage, trace }));
  }
}

/** The service refused the configuration's credentials or ids. */
export class OtaServiceConfigRefusal extends ConfError implements ServiceAnswer {
  constructor(readonly what: string, readonly status: number, readonly serviceMessage: string, readonly trace: string | undefined) {
    super(answerText({ what, status, serviceMessage, trace }));
    this.name = 'OtaServiceConfigRefusal';
  }
}

export function serviceAnswerError(a: ServiceAnswer): OtaServiceFault | OtaServiceRefusal | OtaServiceConfigRefusal {
  const side = sideOfStatus(a.status);
  const E = side === 'lab' ? OtaServiceFault : side === 'product' ? OtaServiceRefusal : OtaServiceConfigRefusal;
  return new E(a.what, a.status, a.serviceMessage, a.trace);
}

/**
 * "The service answered an error status", whichever side it blames: `e instanceof
 * OtaServiceError` holds for all three classes above, and `e.status` says which status.
 */
export abstract class OtaServiceError {
  static [Symbol.hasInstance](e: unknown): e is ServiceAnswer & Error {
    return e instanceof OtaServiceFault || e instanceof OtaServiceRefusal || e instanceof OtaServiceConfigRefusal;
  }
}
