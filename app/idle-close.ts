// The app closes a keep-alive connection idle for exactly its keep-alive
// timeout, as Go's http.Server IdleTimeout, gunicorn and uvicorn do. node
// 20.20's own server.keepAliveTimeout closes 1 s later than its value (a
// buffer against this very race), so without this the app would hide the
// keep-alive mismatch a proxy with a longer upstream timeout runs into.
import type { Server } from "node:http";
import type { Socket } from "node:net";

export function closeIdleAfter(server: Server, ms: number): void {
  const timers = new WeakMap<Socket, NodeJS.Timeout>();
  server.on("request", (req, res) => {
    const socket = req.socket;
    clearTimeout(timers.get(socket));
    res.on("finish", () => {
      if (socket.destroyed) return;
      const t = setTimeout(() => {
        if (!socket.destroyed) socket.destroy();
      }, ms);
      t.unref();
      timers.set(socket, t);
    });
  });
}
