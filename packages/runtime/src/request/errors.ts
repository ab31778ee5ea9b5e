import { InvalidContextError } from "@assay/core";

/**
 * A request middleware was configured wrongly: a missing or short cookie secret, a bad cookie or header name,
 * an unknown exposure mode. `option` names the offending option (`cookie.secret`, `unit[1].name`, ...), so the
 * message points at the line to fix. Thrown when the middleware is created, never per request.
 */
export class RequestOptionsError extends InvalidContextError {
  readonly option: string;
  constructor(option: string, message: string) {
    super(`request middleware option ${option}: ${message}`);
    this.name = "RequestOptionsError";
    this.option = option;
  }
}
