// The relay a team would build instead of Tandem: Node's socket.io with the Redis streams adapter
// and connection-state recovery, speaking the echo's protocol (bench/echo_server.py): a client
// `join`s a room; `relay` {to, ...} is emitted to that room as `relayed`; both are acknowledged.
// Unlike Tandem it stores nothing before delivery (the adapter's stream is its cross-server bus
// and its recovery buffer, trimmed to a length). Run by bench/peer.py:
//   node bench/node_peer/relay.js --port 9100 --redis redis://127.0.0.1:6379/0
import { createServer } from "node:http";
import { createClient } from "redis";
import { Server } from "socket.io";
import { createAdapter } from "@socket.io/redis-streams-adapter";

function option(name) {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0 || at + 1 >= process.argv.length) throw new Error(`--${name} is required`);
  return process.argv[at + 1];
}

const port = Number(option("port"));
const redis = createClient({ url: option("redis") });
redis.on("error", (error) => console.error("redis:", error.message));
await redis.connect();

const io = new Server({
  adapter: createAdapter(redis),
  // As python-socketio and the handoff service are run by the bench: no compression.
  perMessageDeflate: false,
  cors: { origin: "*" },
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000 },
});

io.on("connection", (socket) => {
  socket.on("join", (data, ack) => {
    socket.join(data.room);
    if (typeof ack === "function") ack({ ok: true });
  });
  socket.on("relay", (data, ack) => {
    io.to(data.to).emit("relayed", data);
    if (typeof ack === "function") ack({ ok: true });
  });
});

// Loopback only, like everything the bench starts.
const http = createServer();
io.attach(http);
http.listen(port, "127.0.0.1");
console.log(`node socket.io relay on 127.0.0.1:${port}`);
