#!/usr/bin/env node
// Runs inside the sandbox container. The container has no network but loopback; the only
// way out is the host's egress proxy, reachable as a UNIX socket bind-mounted into the
// container. Most tools only know HTTP proxies on TCP, so this relays 127.0.0.1:PORT to
// that socket, byte for byte. It enforces nothing: every decision is made on the host.
//
// Usage: node net-forwarder.js SOCKET_PATH [PORT]
// Prints "listening 127.0.0.1:PORT" on stdout once it accepts connections.
'use strict';
const net = require('node:net');

const socketPath = process.argv[2];
const port = Number(process.argv[3] || 3128);
if (!socketPath || !Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('usage: net-forwarder.js SOCKET_PATH [PORT]\n');
  process.exit(2);
}

const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream);
  upstream.pipe(client);
  const closeBoth = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', closeBoth);
  upstream.on('error', closeBoth);
  client.on('close', closeBoth);
  upstream.on('close', closeBoth);
});

server.on('error', (err) => {
  process.stderr.write(`net-forwarder: ${err.message}\n`);
  process.exit(1);
});

server.listen({ host: '127.0.0.1', port }, () => {
  process.stdout.write(`listening 127.0.0.1:${port}\n`);
});
