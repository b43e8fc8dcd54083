// CoreDNS's kubernetes plugin: the records a Service gets.
import type { DnsRecord, EndpointSlice, Service } from '../model';

export function serviceDnsName(service: Service, clusterDomain: string): string {
  return `${service.metadata.name}.${service.metadata.namespace}.svc.${clusterDomain}`;
}

export function dnsRecords(
  service: Service,
  slices: readonly EndpointSlice[],
  clusterDomain: string,
): DnsRecord[] {
  const name = serviceDnsName(service, clusterDomain);
  const ref = { namespace: service.metadata.namespace, name: service.metadata.name };
  const records: DnsRecord[] = [];
  if (service.type === 'ExternalName') {
    records.push({ name, type: 'CNAME', values: [service.externalName], service: ref });
    return records;
  }
  if (service.clusterIP === 'None') {
    // Headless: one A record per ready endpoint address (publishNotReadyAddresses counts as ready).
    const ips = new Set<string>();
    for (const slice of slices) {
      for (const e of slice.endpoints) {
        if (e.conditions.ready === false) continue;
        for (const a of e.addresses) ips.add(a);
        if (e.hostname && e.addresses[0]) {
          records.push({ name: `${e.hostname}.${name}`, type: 'A', values: [e.addresses[0]], service: ref });
        }
      }
    }
    records.unshift({ name, type: 'A', values: [...ips].sort(), service: ref });
  } else if (service.clusterIP !== '') {
    records.push({ name, type: 'A', values: [service.clusterIP], service: ref });
  }
  for (const port of service.ports) {
    if (port.name === '') continue;
    records.push({
      name: `_${port.name}._${port.protocol.toLowerCase()}.${name}`,
      type: 'SRV',
      values: [`0 100 ${port.port} ${name}`],
      service: ref,
    });
  }
  return records;
}
