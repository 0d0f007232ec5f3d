/**
 * Link IoT Edge (edge developer guide): the driver SDK (`ThingAccessClient`, `Config`,
 * `ThingInfo`), the Function Compute SDK (`IoTData`, `FCClient`, `CredentialProviderChain`) and
 * the Edge HTTP API (a typed client, the Watch stream reader and the gateway-side handler),
 * plus the gateway side of the driver protocol. No IO: transports, clocks and randomness are
 * injected (see @linkwire/node and @linkwire/web for the adapters).
 * @module
 */
export { EDGE_STATUS, EdgeError, EdgeHttpError, type EdgeStatus } from './errors.ts';
export {
  CALL_SERVICE, Config, DEVICE_NAME, ERROR_CLEANUP, ERROR_CONNECT, ERROR_DISCONNECT, ERROR_GET_CONFIG, ERROR_GET_TSL, ERROR_GET_TSL_EXT_INFO,
  ERROR_UNREGISTER, GET_PROPERTIES, LOCAL_NAME, MAX_CONFIG_BYTES, MAX_THINGS, PRODUCT_KEY, RESULT_FAILURE, RESULT_SUCCESS, SET_PROPERTIES,
  ThingInfo, parseDriverConfig, type ConfigParseResult, type DriverInfo,
} from './config.ts';
export {
  COOKIE_MAX_AGE, COOKIE_NAME, EDGE_API_PORT, EDGE_API_PREFIX, MAX_IDENTIFIERS, canonicalBulkAction, functionArn, parseFunctionArn,
  type BulkActionName, type BulkData, type BulkRequest, type BulkResult, type BulkThing, type EdgeEnvelope, type EdgeThing, type FunctionArn,
  type JsonObject, type ServiceCall, type ServiceReturn, type WatchKind,
} from './api.ts';
export {
  DEFAULT_MAX_WATCH_LINE, PROPERTIES_CHANGED, createWatchReader, decodeWatchMessage, encodeWatchMessage,
  type WatchMessage, type WatchReader, type WatchReaderOptions,
} from './watch.ts';
export {
  createEdgeHttpClient, type EdgeFetch, type EdgeFetchInit, type EdgeFetchResponse, type EdgeHttpClient, type EdgeHttpClientOptions,
  type WatchItem, type WatchOptions, type WatchSubscription,
} from './client.ts';
export {
  createEdgeHttpHandler, errorResponse, type EdgeApiName, type EdgeBackend, type EdgeHttpHandler, type EdgeHttpHandlerOptions,
  type EdgeHttpRequest, type EdgeHttpResponse, type EdgeResponseStream, type EdgeUser, type FunctionOutcome, type WatchEvent, type WatchTarget,
} from './server.ts';
export { DRIVER_FILTERS, driverConfigGetTopic, driverConfigPushTopic, topics as driverTopics, tslExtGetTopic, type GatewayIdentity } from './protocol.ts';
export { ThingAccessClient, connectDriver, getConfig, type CallbackResult, type DriverRuntime, type DriverRuntimeOptions, type ThingCallbacks } from './driver.ts';
export { createEdgeHub, type EdgeHub, type EdgeHubOptions, type HubConnection, type HubDriver, type HubEvent } from './hub.ts';
export {
  CREDENTIAL_REFRESH_MS, CredentialProviderChain, FCClient, FCClient as Client, IoTData, contextCredentials, environmentCredentials,
  httpFunctionTransport, readInvokerContext, type Credential, type CredentialProvider, type FunctionTransport, type InvokeParams,
} from './fc.ts';
