// What the kernel suite sends, as a table. Each entry names the tracer command
// (`kubepath trace …`), who sends (the internet client, a pod, a node) and where
// the packets go; run.mjs derives how many requests from the tracer's branches.
//
//   send: { viaLB: nodePort, family? }  the cloud LB as the tracer models it: connections
//                                  to node:nodePort on every node the tracer's branches name
//                                  (family 'IPv6': to the nodes' IPv6 addresses)
//         { host, port, entry, localAddress? }  one destination; `entry` is the node whose
//                                  rules apply; localAddress: the sender's source address
//   from: 'client' | { pod: 'ns/name' } | { node: NAME }
//   affinity: { sources, perSource }   sequential connections per source address
//   lbRoute: { ip, node }          the router delivers this LB address, unchanged, to node
//   nfacct: NAME                   the entry node's nfacct counter must grow by one per connection

/** @param c helpers over `kubepath analyze --json` (see run.mjs) */
export function defineScenarios(c) {
  const [n1, n2, n3] = c.nodeNames;
  const scenarios = [];

  // 1. examples/nginx: LoadBalancer 8080→80, three pods spread over the three nodes.
  {
    const svc = c.service('default', 'nginx');
    const sp = svc.ports[0];
    const lb = svc.loadBalancer.ingress[0].ip;
    const hairpinPod = c.endpointsOf(svc).find((e) => e.node === n1);
    scenarios.push({
      title: 'nginx (examples/nginx): LoadBalancer 8080→80, 3 pods on 3 nodes',
      entries: [
        {
          title: `internet → LB http://${lb}:${sp.port} (LB → node:${sp.nodePort} on each LB node)`,
          trace: [`http://${lb}:${sp.port}`],
          from: 'client',
          send: { viaLB: sp.nodePort },
        },
        {
          title: `internet → LB IP ${lb}:${sp.port} delivered unchanged to ${n1}`,
          trace: [`${lb}:${sp.port}`, '--from', `ip:${c.clientIP}`, '--node', n1],
          from: 'client',
          send: { host: lb, port: sp.port, entry: n1 },
          lbRoute: { ip: lb, node: n1 },
        },
        {
          title: `pod ${hairpinPod.pod} (${n1}) → ClusterIP ${svc.clusterIP}:${sp.port} (one branch is itself: hairpin)`,
          trace: [`${svc.clusterIP}:${sp.port}`, '--from', `pod:default/${hairpinPod.pod}`],
          from: { pod: `default/${hairpinPod.pod}` },
          send: { host: svc.clusterIP, port: sp.port, entry: n1 },
        },
        {
          title: `node ${n2} → ClusterIP ${svc.clusterIP}:${sp.port}`,
          trace: [`${svc.clusterIP}:${sp.port}`, '--from', `node:${n2}`],
          from: { node: n2 },
          send: { host: svc.clusterIP, port: sp.port, entry: n2 },
        },
        {
          // nftables mode has no localhost node ports (upstream: "not supported"): the rules let
          // the packet through undisturbed and the node's own TCP stack resets the connection.
          title:
            c.proxyMode === 'nftables'
              ? `node ${n3} → 127.0.0.1:${sp.nodePort} (nftables mode: no localhost node ports, the node resets)`
              : `node ${n3} → 127.0.0.1:${sp.nodePort} (localhost node port)`,
          trace: [`127.0.0.1:${sp.nodePort}`, '--from', `node:${n3}`],
          from: { node: n3 },
          send: { host: '127.0.0.1', port: sp.nodePort, entry: n3 },
          nfacct: 'localhost_nps_accepted_pkts',
        },
      ],
    });
  }

  // 2. externalTrafficPolicy: Local with endpoints on some nodes only.
  {
    const svc = c.service('default', 'local-web');
    const sp = svc.ports[0];
    const lb = svc.loadBalancer.ingress[0].ip;
    const withEndpoints = new Set(c.endpointsOf(svc).map((e) => e.node));
    const empty = c.nodeNames.find((n) => !withEndpoints.has(n));
    const podOnEmpty = c.allPods.find((p) => p.node === empty);
    const entries = [
      {
        title: `internet → LB http://${lb}:${sp.port} (only nodes passing the health check)`,
        trace: [`http://${lb}:${sp.port}`],
        from: 'client',
        send: { viaLB: sp.nodePort },
      },
      {
        title: `internet → ${empty}:${sp.nodePort}, a node without local endpoints (DROP)`,
        trace: [`${c.nodeIP(empty)}:${sp.nodePort}`],
        from: 'client',
        send: { host: c.nodeIP(empty), port: sp.nodePort, entry: empty },
      },
      {
        title: `internet → LB IP ${lb}:${sp.port} delivered unchanged to ${empty} (FORWARD path, DROP)`,
        trace: [`${lb}:${sp.port}`, '--from', `ip:${c.clientIP}`, '--node', empty],
        from: 'client',
        send: { host: lb, port: sp.port, entry: empty },
        lbRoute: { ip: lb, node: empty },
      },
      {
        title: `node ${empty} → its own ${c.nodeIP(empty)}:${sp.nodePort} (LOCAL source: every endpoint, masqueraded)`,
        trace: [`${c.nodeIP(empty)}:${sp.nodePort}`, '--from', `node:${empty}`],
        from: { node: empty },
        send: { host: c.nodeIP(empty), port: sp.nodePort, entry: empty },
      },
    ];
    if (podOnEmpty) {
      entries.push({
        title: `pod ${podOnEmpty.name} (${empty}) → ${c.nodeIP(empty)}:${sp.nodePort} (pod traffic: every endpoint)`,
        trace: [`${c.nodeIP(empty)}:${sp.nodePort}`, '--from', `pod:${podOnEmpty.key}`],
        from: { pod: podOnEmpty.key },
        send: { host: c.nodeIP(empty), port: sp.nodePort, entry: empty },
      });
    }
    scenarios.push({
      title: `externalTrafficPolicy: Local (test/kernel/fixtures/etp-local.yaml): endpoints on ${[...withEndpoints].join(', ')} only`,
      entries,
    });
  }

  // 3. A Service without endpoints: REJECT everywhere.
  {
    const svc = c.service('default', 'nothing');
    const sp = svc.ports[0];
    const lb = svc.loadBalancer.ingress[0].ip;
    const somePod = c.allPods.find((p) => p.node === n3) ?? c.allPods[0];
    scenarios.push({
      title: 'no endpoints (test/kernel/fixtures/no-endpoints.yaml): selector matches nothing',
      entries: [
        {
          title: `internet → LB http://${lb}:${sp.port} (node:${sp.nodePort} on each LB node)`,
          trace: [`http://${lb}:${sp.port}`],
          from: 'client',
          send: { viaLB: sp.nodePort },
        },
        {
          title: `internet → LB IP ${lb}:${sp.port} delivered unchanged to ${n2} (FORWARD path)`,
          trace: [`${lb}:${sp.port}`, '--from', `ip:${c.clientIP}`, '--node', n2],
          from: 'client',
          send: { host: lb, port: sp.port, entry: n2 },
          lbRoute: { ip: lb, node: n2 },
        },
        {
          title: `pod ${somePod.name} (${somePod.node}) → ClusterIP ${svc.clusterIP}:${sp.port}`,
          trace: [`${svc.clusterIP}:${sp.port}`, '--from', `pod:${somePod.key}`],
          from: { pod: somePod.key },
          send: { host: svc.clusterIP, port: sp.port, entry: somePod.node },
        },
        {
          title: `node ${n1} → ClusterIP ${svc.clusterIP}:${sp.port} (OUTPUT path)`,
          trace: [`${svc.clusterIP}:${sp.port}`, '--from', `node:${n1}`],
          from: { node: n1 },
          send: { host: svc.clusterIP, port: sp.port, entry: n1 },
        },
      ],
    });
  }

  // 4. examples/named-ports: targetPort "http" is 8080 in stable pods, 9090 in the canary.
  {
    const svc = c.service('shop', 'api');
    const http = svc.ports.find((p) => p.name === 'http');
    const metrics = svc.ports.find((p) => p.name === 'metrics');
    const client = c.allPods.find((p) => p.namespace === 'default' && p.node === n1) ?? c.allPods[0];
    scenarios.push({
      title: 'named targetPort (examples/named-ports): "http" → 8080 (stable) / 9090 (canary)',
      entries: [
        {
          title: `internet → ${n2}:${http.nodePort} (port http)`,
          trace: [`${c.nodeIP(n2)}:${http.nodePort}`],
          from: 'client',
          send: { host: c.nodeIP(n2), port: http.nodePort, entry: n2 },
        },
        {
          title: `pod ${client.name} → ClusterIP ${svc.clusterIP}:${metrics.port} (port metrics: not in the canary)`,
          trace: [`${svc.clusterIP}:${metrics.port}`, '--from', `pod:${client.key}`],
          from: { pod: client.key },
          send: { host: svc.clusterIP, port: metrics.port, entry: client.node },
        },
      ],
    });
  }

  // 5. sessionAffinity: ClientIP.
  {
    const svc = c.service('default', 'sticky');
    const sp = svc.ports[0];
    const client = c.allPods.find((p) => p.node === n2 && !p.name.startsWith('sticky')) ?? c.allPods[0];
    scenarios.push({
      title: 'sessionAffinity: ClientIP (test/kernel/fixtures/affinity.yaml)',
      entries: [
        {
          title: `internet, ${c.affinitySources.length} client addresses × 4 connections → ${n1}:${sp.nodePort}`,
          trace: [`${c.nodeIP(n1)}:${sp.nodePort}`],
          from: 'client',
          send: { host: c.nodeIP(n1), port: sp.nodePort, entry: n1 },
          affinity: { sources: c.affinitySources, perSource: 4 },
        },
        {
          title: `pod ${client.name} × 12 connections → ClusterIP ${svc.clusterIP}:${sp.port} (one source: one pod)`,
          trace: [`${svc.clusterIP}:${sp.port}`, '--from', `pod:${client.key}`],
          from: { pod: client.key },
          send: { host: svc.clusterIP, port: sp.port, entry: client.node },
          affinity: { sources: [null], perSource: 12 },
        },
      ],
    });
  }
  // 6. loadBalancerSourceRanges: the LB address filters by source, the node port does not.
  {
    const svc = c.service('default', 'ranged');
    const sp = svc.ports[0];
    const lb = svc.loadBalancer.ingress[0].ip;
    const denied = c.affinitySources[0];
    scenarios.push({
      title: `loadBalancerSourceRanges 198.51.100.0/26 (test/kernel/fixtures/source-ranges.yaml)`,
      entries: [
        {
          title: `internet ${c.clientIP} (inside the ranges) → LB IP ${lb}:${sp.port} delivered to ${n1}`,
          trace: [`${lb}:${sp.port}`, '--from', `ip:${c.clientIP}`, '--node', n1],
          from: 'client',
          send: { host: lb, port: sp.port, entry: n1 },
          lbRoute: { ip: lb, node: n1 },
        },
        {
          title: `internet ${denied} (outside the ranges) → LB IP ${lb}:${sp.port} delivered to ${n1} (DROP)`,
          trace: [`${lb}:${sp.port}`, '--from', `ip:${denied}`, '--node', n1],
          from: 'client',
          send: { host: lb, port: sp.port, entry: n1, localAddress: denied },
          lbRoute: { ip: lb, node: n1 },
        },
        {
          title: `internet ${denied} (outside the ranges) → ${n2}:${sp.nodePort} (the node port is not filtered)`,
          trace: [`${c.nodeIP(n2)}:${sp.nodePort}`, '--from', `ip:${denied}`, '--node', n2],
          from: 'client',
          send: { host: c.nodeIP(n2), port: sp.nodePort, entry: n2, localAddress: denied },
        },
      ],
    });
  }
  return scenarios;
}

/** IPv6 over real TCP (examples/dual-stack: a dual-stack NodePort Service and an IPv6-only
 * ClusterIP Service, two pods on two nodes), plus one IPv4 entry on the same cluster. */
export function defineIPv6Scenarios(c) {
  const [n1, n2] = c.nodeNames;
  const web = c.service('default', 'web');
  const webV6 = c.service('default', 'web-v6');
  const v6 = (s) => s.clusterIPs.find((ip) => ip.includes(':'));
  const sp = web.ports[0];
  const podOnN1 = c.endpointsOf(web).find((e) => e.node === n1);
  return [
    {
      title: `dual-stack NodePort ${web.name} (examples/dual-stack): [${v6(web)}]:${sp.port} and node port ${sp.nodePort} over IPv6`,
      entries: [
        {
          title: `internet ${c.clientIPv6} → [${c.nodeIPv6(n1)}]:${sp.nodePort} (node port over IPv6)`,
          trace: [`[${c.nodeIPv6(n1)}]:${sp.nodePort}`],
          from: 'client',
          send: { host: c.nodeIPv6(n1), port: sp.nodePort, entry: n1 },
        },
        {
          title: `pod ${podOnN1.pod} (${n1}) → ClusterIP [${v6(web)}]:${sp.port} (one branch is itself: hairpin)`,
          trace: [`[${v6(web)}]:${sp.port}`, '--from', `pod:default/${podOnN1.pod}`],
          from: { pod: `default/${podOnN1.pod}` },
          send: { host: v6(web), port: sp.port, entry: n1 },
        },
        {
          title: `node ${n2} → ClusterIP [${v6(web)}]:${sp.port}`,
          trace: [`[${v6(web)}]:${sp.port}`, '--from', `node:${n2}`],
          from: { node: n2 },
          send: { host: v6(web), port: sp.port, entry: n2 },
        },
        {
          title: `internet ${c.clientIP} → ${c.nodeIP(n2)}:${sp.nodePort} (the same Service over IPv4)`,
          trace: [`${c.nodeIP(n2)}:${sp.nodePort}`],
          from: 'client',
          send: { host: c.nodeIP(n2), port: sp.nodePort, entry: n2 },
        },
      ],
    },
    {
      title: `IPv6-only ClusterIP ${webV6.name}: [${webV6.clusterIP}]:${webV6.ports[0].port}`,
      entries: [
        {
          title: `node ${n2} → ClusterIP [${webV6.clusterIP}]:${webV6.ports[0].port}`,
          trace: [`[${webV6.clusterIP}]:${webV6.ports[0].port}`, '--from', `node:${n2}`],
          from: { node: n2 },
          send: { host: webV6.clusterIP, port: webV6.ports[0].port, entry: n2 },
        },
      ],
    },
  ];
}
