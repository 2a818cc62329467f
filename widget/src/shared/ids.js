// Client message ids (docs/protocol.md: 1-64 of A-Za-z0-9_.:-). The server stores a message
// once per id, so a client can resend after any doubt (lost ack, reconnect, reload).

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A random token of `length` characters from [0-9a-z]. */
export function randomToken(length = 12) {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  let out = "";
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

let counter = 0;

/** A new client_msg_id such as "w-k3j9x0a1b2c3-7". */
export function newClientMsgId(prefix = "w") {
  counter += 1;
  return `${prefix}-${randomToken(12)}-${counter}`;
}

const CMID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** @param {unknown} value */
export function isClientMsgId(value) {
  return typeof value === "string" && CMID.test(value);
}
