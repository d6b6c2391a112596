// One Lambda execution environment: runs in its own worker thread, with only its function's environment variables in
// process.env. Plain JavaScript on purpose: it loads the built bundle exactly as Lambda's Node.js runtime would, with no
// TypeScript loader in the thread. The module is imported once (the cold start); every later invocation reuses it.
// Protocol with lambda-runner.ts: we post {type:'init'} once, then answer each {type:'invoke'} with {type:'result'}.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { modulePath, handlerName, functionName, memoryMb, logStreamName, region } = workerData;

function serializeError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || error.constructor?.name || 'Error',
      errorMessage: error.message,
      stackTrace: (error.stack ?? '').split('\n').slice(1).map((line) => line.trim()),
    };
  }
  return { errorType: typeof error, errorMessage: String(error), stackTrace: [] };
}

let handler;
const initStart = performance.now();
try {
  const mod = await import(pathToFileURL(modulePath).href);
  handler = mod[handlerName];
  if (typeof handler !== 'function') {
    const error = new Error(`${modulePath} does not export a function named "${handlerName}"`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  parentPort.postMessage({ type: 'init', ok: true, initDurationMs: performance.now() - initStart });
} catch (error) {
  const serialized = serializeError(error);
  if (serialized.errorType === 'Error') serialized.errorType = 'Runtime.ImportModuleError';
  parentPort.postMessage({ type: 'init', ok: false, initDurationMs: performance.now() - initStart, error: serialized });
}

function contextFor(requestId, deadline) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

// Async handlers return a promise; callback-style ones (three parameters) call back instead.
function run(event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, value) => (error ? reject(error) : resolve(value));
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

parentPort.on('message', async (message) => {
  if (message.type !== 'invoke' || !handler) return;
  const { requestId, payload, deadline } = message;
  try {
    const result = await run(JSON.parse(payload), contextFor(requestId, deadline));
    // Lambda serialises the response as JSON; so do we, so that what the caller sees is what Lambda would return.
    parentPort.postMessage({ type: 'result', requestId, ok: true, payload: result === undefined ? 'null' : JSON.stringify(result) });
  } catch (error) {
    parentPort.postMessage({ type: 'result', requestId, ok: false, error: serializeError(error) });
  }
});
