// Jest runs each test file in its own V8 realm, so `new Float32Array()` there is not an instance of the host's
// Float32Array, and onnxruntime-node (Silero VAD's runtime) rejects it: "A float32 tensor's data must be type of
// function Float32Array()". Tests that run Silero use this environment (docblock `@jest-environment`), which
// gives the sandbox the host's typed-array constructors. Plain Node (the worker, tsx) is unaffected.
const { TestEnvironment } = require('jest-environment-node');

const TYPED_ARRAYS = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class HostTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) this.global[name] = globalThis[name];
  }
}

module.exports = HostTypedArraysEnvironment;
