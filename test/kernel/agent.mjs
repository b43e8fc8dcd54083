// Runs inside one network namespace (started with `ip netns exec NS node agent.mjs …`),
// one long-lived process per namespace so no request pays for a process start.
//
//   agent.mjs NAME [PORT…]  with ports (a pod): an HTTP server on every PORT answering,
//                     on a fresh connection each time, {pod, remote, remotePort, local,
//                     localPort}: who answered and the source address the pod saw
//                     (the masquerade check). Prints "ready" once every port listens.
//   stdin, one JSON line per job: {requests:[{host, port, count, localAddress?,
//                     sequential?}], concurrency, timeoutMs} → one JSON line on stdout:
//                     the results, each {host, port, localAddress, ok, pod, remote,
//                     local, localPort, error, ms}; error is ECONNREFUSED, TIMEOUT, …
//   Exits when stdin closes (the orchestrator went away).
import http from 'node:http';
import readline from 'node:readline';

const [pod, ...ports] = process.argv.slice(2);

{
  let listening = 0;
  if (ports.length === 0) process.stdout.write('ready\n');
  for (const port of ports) {
    const server = http.createServer((req, res) => {
      const s = req.socket;
      res.setHeader('Connection', 'close');
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          pod,
          remote: s.remoteAddress?.replace(/^::ffff:/, ''),
          remotePort: s.remotePort,
          local: s.localAddress?.replace(/^::ffff:/, ''),
          localPort: s.localPort,
        }),
      );
    });
    server.keepAliveTimeout = 1;
    server.on('error', (e) => {
      process.stderr.write(`serve ${pod}:${port}: ${e.message}\n`);
      process.exit(1);
    });
    server.listen(Number(port), '::', () => {
      if (++listening === ports.length) process.stdout.write('ready\n');
    });
  }
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  fetchAll(JSON.parse(line)).then((results) => process.stdout.write(JSON.stringify(results) + '\n'));
});
lines.on('close', () => process.exit(0));

async function fetchAll(spec) {
  const timeoutMs = spec.timeoutMs ?? 2000;
  const one = (r) =>
    new Promise((resolve) => {
      const start = process.hrtime.bigint();
      const ms = () => Number(process.hrtime.bigint() - start) / 1e6;
      const base = { host: r.host, port: r.port, localAddress: r.localAddress ?? null };
      let done = false;
      const finish = (v) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ ...base, ...v, ms: Math.round(ms() * 10) / 10 });
      };
      const req = http.request(
        {
          host: r.host,
          port: r.port,
          path: '/',
          agent: false, // a new TCP connection (a new conntrack entry) every time
          localAddress: r.localAddress,
          headers: { Connection: 'close' },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (body += c));
          res.on('end', () => {
            try {
              finish({ ok: true, ...JSON.parse(body) });
            } catch (e) {
              finish({ ok: false, error: `bad body: ${e.message}` });
            }
          });
        },
      );
      const timer = setTimeout(() => {
        finish({ ok: false, error: 'TIMEOUT' });
        req.destroy();
      }, timeoutMs);
      req.on('error', (e) => finish({ ok: false, error: e.code || e.message }));
      req.end();
    });

  const jobs = [];
  const chains = [];
  for (const r of spec.requests) {
    if (r.sequential) {
      // one after another (session affinity: the first connection picks, the rest follow)
      chains.push(async () => {
        const out = [];
        for (let i = 0; i < r.count; i++) out.push(await one(r));
        return out;
      });
    } else {
      for (let i = 0; i < r.count; i++) jobs.push(async () => [await one(r)]);
    }
  }
  const all = [...chains, ...jobs];
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < all.length) {
      const job = all[next++];
      results.push(...(await job()));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, spec.concurrency ?? 16) }, worker));
  return results;
}
