// The golden protocol examples (docs/protocol-examples.json), shared with the Python tests.
import { readFileSync } from "node:fs";

export const golden = JSON.parse(readFileSync(new URL("../../docs/protocol-examples.json", import.meta.url), "utf8"));

/** The example of one event: {payload, ack?}. Deep-copied, so tests may change it. */
export function example(namespace, event, direction) {
  const found = golden.examples.find((e) => e.namespace === namespace && e.event === event && e.direction === direction);
  if (!found) throw new Error(`no golden example for ${namespace} ${event} ${direction}`);
  return structuredClone(found);
}

export const customerOut = (event) => example("/", event, "out").payload;
export const agentOut = (event) => example("/agent", event, "out").payload;
export const agentAck = (event) => example("/agent", event, "in").ack;
export const customerAck = (event) => example("/", event, "in").ack;

/** A Storage-like map for tests. */
export function memoryStorage() {
  const data = new Map();
  return {
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => data.set(k, String(v)),
    removeItem: (k) => data.delete(k),
    data,
  };
}
