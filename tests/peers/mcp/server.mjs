// SPDX-License-Identifier: MIT
// A test MCP server on the real reference SDK (@modelcontextprotocol/sdk,
// installed by tools/mcp-install.sh): McpServer over
// StreamableHTTPServerTransport, so every reply, rejection and framing
// is the SDK's own (server/webStandardStreamableHttp.js: 404 "Session not
// found" for a session it does not know, 400 without one, 406 without
// the Accept types, 405 for GET when stateless).
//
//   node server.mjs --modules DIR --port 0 --port-file F --log F [--json] [--stateless]
//                   [--token T] [--slow-ms N] [--many N] [--page N]
//                   [--lose-sessions]
//
// --json answers with JSON bodies (enableJsonResponse), else with SSE.
// Tools: turn_off(name), broken() (isError), slow() (waits --slow-ms or
// for the client's notifications/cancelled), grow() (adds the tool
// extra(), so the SDK sends notifications/tools/list_changed), and with
// --many N the tools many0 .. manyN-1, each with a long description;
// --page N gives tools/list in pages of N tools; --lose-sessions answers
// every request of a session as if the session were forgotten.
// POST /test/forget drops every session (a restarted server, as seen by
// its clients).  Each JSON-RPC message received and each cancellation is
// one JSON line in the log.
import http from 'node:http';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createRequire } from 'node:module';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
// --modules DIR: the node_modules' parent that tools/mcp-install.sh filled
const require = createRequire(path.resolve(opt('--modules', '.'), 'package.json'));
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
const { z } = require('zod');
const flag = (name) => args.includes(name);
const json = flag('--json');
const stateless = flag('--stateless');
const token = opt('--token', '');
const slowMs = Number(opt('--slow-ms', '30000'));
const many = Number(opt('--many', '0')); // more tools, each described at length
const page = Number(opt('--page', '0')); // tools/list pages of this many
const loseSessions = flag('--lose-sessions'); // each session forgotten at once
const logFile = opt('--log', '/dev/null');
const log = (obj) => fs.appendFileSync(logFile, JSON.stringify(obj) + '\n');

function makeServer() {
  const server = new McpServer({ name: 'parley-test', version: '1.0.0' });
  server.registerTool('turn_off', {
    description: 'Turns off a light by name',
    inputSchema: { name: z.string().describe('the light') },
  }, async ({ name }) => ({
    content: [{ type: 'text', text: `Turned off the ${name}.` }],
  }));
  server.registerTool('broken', {
    description: 'Always fails',
    inputSchema: {},
  }, async () => ({
    isError: true,
    content: [{ type: 'text', text: 'the bulb is unreachable' }],
  }));
  server.registerTool('slow', {
    description: 'Takes a long time',
    inputSchema: {},
  }, async (_args, extra) => new Promise((resolve) => {
    const t = setTimeout(() => resolve({ content: [{ type: 'text', text: 'slow done' }] }), slowMs);
    // shared/protocol.js: notifications/cancelled aborts extra.signal
    extra.signal.addEventListener('abort', () => {
      clearTimeout(t);
      log({ cancelled: extra.requestId, reason: String(extra.signal.reason) });
      resolve({ content: [{ type: 'text', text: 'cancelled' }] });
    });
  }));
  server.registerTool('grow', {
    description: 'Adds the tool extra',
    inputSchema: {},
  }, async () => {
    if (!grown) {
      grown = true;
      // McpServer.registerTool sends notifications/tools/list_changed
      for (const s of servers) s.registerTool('extra', {
        description: 'A tool added later',
        inputSchema: {},
      }, async () => ({ content: [{ type: 'text', text: 'extra here' }] }));
    }
    return { content: [{ type: 'text', text: 'grown' }] };
  });
  for (let i = 0; i < many; i++)
    server.registerTool(`many${i}`, {
      description: `Tool number ${i}: ` + 'a long description. '.repeat(20),
      inputSchema: { n: z.number().describe('any number') },
    }, async ({ n }) => ({ content: [{ type: 'text', text: `many${i} got ${n}` }] }));
  if (grown)
    server.registerTool('extra', {
      description: 'A tool added later',
      inputSchema: {},
    }, async () => ({ content: [{ type: 'text', text: 'extra here' }] }));
  if (page) {
    // shared/protocol.js keeps each method's handler in _requestHandlers;
    // McpServer's own tools/list is wrapped so that its list comes in
    // pages, the cursor being the next index (server/tools: nextCursor)
    const inner = server.server._requestHandlers.get('tools/list');
    server.server._requestHandlers.set('tools/list', async (request, extra) => {
      const all = await inner(request, extra);
      const from = Number(request.params?.cursor ?? 0);
      const tools = all.tools.slice(from, from + page);
      return from + page < all.tools.length ? { tools, nextCursor: String(from + page) } : { tools };
    });
  }
  servers.add(server);
  return server;
}

let grown = false;
const servers = new Set();
const sessions = new Map(); // session id -> transport

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

const httpServer = http.createServer(async (req, res) => {
  try {
    if (req.url === '/test/forget') {
      for (const t of sessions.values()) await t.close();
      sessions.clear();
      log({ forgot: true });
      res.writeHead(200).end('ok');
      return;
    }
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      log({ unauthorized: req.headers.authorization ? 'wrong' : 'none' });
      res.writeHead(401, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ error: 'invalid_token' }));
      return;
    }
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    const sid = req.headers['mcp-session-id'];
    for (const m of Array.isArray(body) ? body : body ? [body] : [])
      log({ method: m.method, id: m.id, params: m.params, session: sid || '',
            version: req.headers['mcp-protocol-version'] || '',
            accept: req.headers.accept || '',
            auth: req.headers.authorization ? 'bearer' : 'none' });
    if (req.method === 'GET') log({ get: true, session: sid || '' });
    let transport;
    if (stateless) {
      if (req.method !== 'POST') {
        // as examples/server/simpleStatelessStreamableHttp.js: 405 to GET, DELETE
        res.writeHead(405, { 'Content-Type': 'application/json' }).end(JSON.stringify({
          jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }));
        return;
      }
      transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: json });
      const server = makeServer();
      res.on('close', () => { transport.close(); server.close(); servers.delete(server); });
      await server.connect(transport);
    } else if (sid && sessions.has(sid) && !loseSessions) {
      transport = sessions.get(sid);
    } else if (!sid && body && body.method === 'initialize') {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: json,
        onsessioninitialized: (id) => sessions.set(id, transport),
      });
      await makeServer().connect(transport);
    } else if (sid) {
      // a session this process does not hold (forgotten, or another
      // process's): what server/webStandardStreamableHttp.js
      // validateSession answers for one its transport does not know
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({
        jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
      return;
    } else {
      // no session and no initialize: a fresh transport rejects it as the
      // SDK does (400 "Bad Request: Server not initialized")
      transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), enableJsonResponse: json });
      await makeServer().connect(transport);
    }
    await transport.handleRequest(req, res, body);
  } catch (e) {
    log({ error: String(e) });
    if (!res.headersSent) res.writeHead(500).end();
  }
});

httpServer.listen(Number(opt('--port', '0')), '127.0.0.1', () => {
  fs.writeFileSync(opt('--port-file', '/dev/null'), String(httpServer.address().port));
});
process.on('SIGTERM', () => process.exit(0));
