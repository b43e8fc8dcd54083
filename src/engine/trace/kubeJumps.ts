// The jump rules kube-proxy installs into the built-in chains outside its
// iptables-restore payload (SPEC-NOTES a.2: iptablesJumpChains and
// iptablesKubeletJumpChains, each ensured with Prepend, so the last one ensured
// comes first). Used when a dump has no built-in chains (restore-input form).

export const EMULATED_BUILTIN_RULES: Record<string, Record<string, readonly string[]>> = {
  filter: {
    INPUT: [
      '-j KUBE-FIREWALL',
      '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
      '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    ],
    FORWARD: [
      '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    ],
    OUTPUT: [
      '-j KUBE-FIREWALL',
      '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    ],
  },
  nat: {
    PREROUTING: ['-m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
    OUTPUT: ['-m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
    POSTROUTING: ['-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING'],
  },
};
