/**
 * The host's answers to the webview's requests, as a map from method to handler. The map's
 * type comes from the request schemas, so a handler that takes the wrong params or answers
 * with the wrong result type does not compile, and a method without a handler is missing
 * from the map.
 */
import type { RequestMessage, RequestMethod, RequestParams, RequestResult } from './messages';

export type RequestHandler<M extends RequestMethod> = (params: RequestParams<M>) => Promise<RequestResult<M>> | RequestResult<M>;

export type RequestHandlers = { readonly [M in RequestMethod]: RequestHandler<M> };

/** Runs the handler of a checked request and returns its result. */
export async function handleRequest<M extends RequestMethod>(
  handlers: RequestHandlers,
  request: RequestMessage<M>,
): Promise<RequestResult<M>> {
  const handler: RequestHandler<M> = handlers[request.method];
  return handler(request.params);
}
