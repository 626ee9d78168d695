// SPDX-License-Identifier: Apache-2.0
/*
 * L2 responder (XDP): answers ARP requests and IPv6 neighbor solicitations for addresses this
 * node announces, so a LoadBalancer IP that is assigned to no interface is still reachable on
 * the segment. The announced set is the control plane's cilium_l2_responder_v4/_v6 maps,
 * keyed by (address, ifindex of the receiving interface); a hit turns the request into the
 * reply in place, sends it back out of the same interface (XDP_TX) and counts it in the
 * entry. Everything else passes untouched: this program never drops a frame.
 *
 * The interface's MAC comes from l2_resp_ifmac, a one-entry array the loader writes
 * before attaching (XDP has no helper that returns the device address). An all-zero MAC
 * means "not configured yet": pass.
 *
 * Not handled (passed to the stack): VLAN-tagged frames, IPv6 with extension headers before
 * ICMPv6, requests the kernel would reject anyway (wrong hop limit, bad lengths).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct l2_responder_v4_key {
	__be32 ip4;
	__u32 ifindex;
};

struct l2_responder_v6_key {
	struct in6_addr ip6;
	__u32 ifindex;
	__u32 pad;
};

struct l2_responder_stats {
	__u64 responses_sent;
};

struct ifmac {
	__u8 addr[ETH_ALEN];
	__u8 pad[2];
};

/* Same names, types and sizes as the control plane's pins, so the loader can reuse them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct l2_responder_v4_key);
	__type(value, struct l2_responder_stats);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cilium_l2_responder_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct l2_responder_v6_key);
	__type(value, struct l2_responder_stats);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cilium_l2_responder_v6 SEC(".maps");

/* Private to each loaded copy of the program: one copy is attached per interface. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct ifmac);
	__uint(max_entries, 1);
} l2_resp_ifmac SEC(".maps");

/* The IPv4-over-Ethernet ARP body; linux/if_arp.h stops at the fixed header. */
struct arp_eth_ipv4 {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__be32 spa;
	__u8 tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));

#define ARP_HTYPE_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

static __always_inline const __u8 *interface_mac(void)
{
	__u32 zero = 0;
	struct ifmac *mac = bpf_map_lookup_elem(&l2_resp_ifmac, &zero);

	if (!mac)
		return 0;
	if (!(mac->addr[0] | mac->addr[1] | mac->addr[2] | mac->addr[3] | mac->addr[4] | mac->addr[5]))
		return 0;
	return mac->addr;
}

static __always_inline void copy_mac(__u8 *dst, const __u8 *src)
{
	__builtin_memcpy(dst, src, ETH_ALEN);
}

static __always_inline int answer_arp(struct xdp_md *ctx, struct ethhdr *eth, void *data_end)
{
	struct arp_eth_ipv4 *arp = (void *)(eth + 1);
	struct l2_responder_v4_key key = {};
	struct l2_responder_stats *stats;
	const __u8 *mac;
	__be32 asked;

	if ((void *)(arp + 1) > data_end)
		return XDP_PASS;
	if (arp->htype != bpf_htons(ARP_HTYPE_ETHER) || arp->ptype != bpf_htons(ETH_P_IP) ||
	    arp->hlen != ETH_ALEN || arp->plen != 4 || arp->op != bpf_htons(ARP_OP_REQUEST))
		return XDP_PASS;
	/* A request for the sender's own address is an announcement, not a question. */
	if (arp->spa == arp->tpa)
		return XDP_PASS;

	key.ip4 = arp->tpa;
	key.ifindex = ctx->ingress_ifindex;
	stats = bpf_map_lookup_elem(&cilium_l2_responder_v4, &key);
	if (!stats)
		return XDP_PASS;
	mac = interface_mac();
	if (!mac)
		return XDP_PASS;

	asked = arp->tpa;
	arp->op = bpf_htons(ARP_OP_REPLY);
	copy_mac(arp->tha, arp->sha);
	arp->tpa = arp->spa;
	copy_mac(arp->sha, mac);
	arp->spa = asked;
	copy_mac(eth->h_dest, arp->tha);
	copy_mac(eth->h_source, mac);
	__sync_fetch_and_add(&stats->responses_sent, 1);
	return XDP_TX;
}

/* ---- IPv6 neighbor discovery ---------------------------------------------------------- */

struct nd_msg {
	struct icmp6hdr icmp;
	struct in6_addr target;
};

struct nd_lladdr_opt {
	__u8 type;
	__u8 len; /* in units of 8 bytes */
	__u8 addr[ETH_ALEN];
};

#define NDISC_NEIGHBOUR_SOLICITATION 135
#define NDISC_NEIGHBOUR_ADVERTISEMENT 136
#define ND_OPT_TARGET_LL 2
#define ND_HOP_LIMIT 255
/* The advertisement always carries exactly one target link-layer option. */
#define NA_LEN (sizeof(struct nd_msg) + sizeof(struct nd_lladdr_opt))

static __always_inline __u32 csum_add16(__u32 sum, const void *p, int bytes)
{
	const __u16 *w = p;

#pragma unroll
	for (int i = 0; i < bytes / 2; i++)
		sum += w[i];
	return sum;
}

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* ICMPv6 checksum over the pseudo header and the (fixed size) advertisement. */
static __always_inline __u16 na_checksum(const struct ipv6hdr *ip6, const void *na)
{
	__u32 sum = 0;

	sum = csum_add16(sum, &ip6->saddr, sizeof(ip6->saddr));
	sum = csum_add16(sum, &ip6->daddr, sizeof(ip6->daddr));
	sum += bpf_htons(NA_LEN);
	sum += bpf_htons(IPPROTO_ICMPV6);
	sum = csum_add16(sum, na, NA_LEN);
	return csum_fold(sum);
}

static __always_inline int is_unspecified(const struct in6_addr *a)
{
	return !(a->in6_u.u6_addr32[0] | a->in6_u.u6_addr32[1] | a->in6_u.u6_addr32[2] | a->in6_u.u6_addr32[3]);
}

/*
 * Turns the solicitation into the advertisement. The solicitation may be 24 bytes (no
 * source link-layer option, as in duplicate address detection) or longer; the reply is
 * always 32, so the frame is resized first and every pointer is taken afresh after it.
 */
static __always_inline int answer_ns(struct xdp_md *ctx, const __u8 *mac, __u16 payload_len)
{
	int delta = (int)NA_LEN - (int)payload_len;
	void *data, *data_end;
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	struct nd_msg *na;
	struct nd_lladdr_opt *opt;
	int dad;

	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return XDP_PASS;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip6 = (void *)(eth + 1);
	na = (void *)(ip6 + 1);
	opt = (void *)(na + 1);
	if ((void *)(opt + 1) > data_end)
		return XDP_PASS;

	/* Duplicate address detection asks from ::; the answer then goes to all nodes. */
	dad = is_unspecified(&ip6->saddr);
	if (dad) {
		ip6->daddr = (struct in6_addr){ .in6_u.u6_addr8 = { 0xff, 0x02, [15] = 0x01 } };
		eth->h_dest[0] = 0x33;
		eth->h_dest[1] = 0x33;
		eth->h_dest[2] = 0;
		eth->h_dest[3] = 0;
		eth->h_dest[4] = 0;
		eth->h_dest[5] = 1;
	} else {
		ip6->daddr = ip6->saddr;
		copy_mac(eth->h_dest, eth->h_source);
	}
	copy_mac(eth->h_source, mac);
	ip6->saddr = na->target;
	ip6->payload_len = bpf_htons(NA_LEN);
	ip6->hop_limit = ND_HOP_LIMIT;

	na->icmp.icmp6_type = NDISC_NEIGHBOUR_ADVERTISEMENT;
	na->icmp.icmp6_code = 0;
	na->icmp.icmp6_cksum = 0;
	na->icmp.icmp6_dataun.un_data32[0] = 0;
	na->icmp.icmp6_solicited = !dad;
	na->icmp.icmp6_override = 1;
	opt->type = ND_OPT_TARGET_LL;
	opt->len = 1;
	copy_mac(opt->addr, mac);
	na->icmp.icmp6_cksum = na_checksum(ip6, na);
	return XDP_TX;
}

static __always_inline int answer_ndp(struct xdp_md *ctx, struct ethhdr *eth, void *data_end)
{
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct nd_msg *ns = (void *)(ip6 + 1);
	struct l2_responder_v6_key key = {};
	struct l2_responder_stats *stats;
	const __u8 *mac;
	__u16 payload_len;
	int verdict;

	if ((void *)(ns + 1) > data_end)
		return XDP_PASS;
	if (ip6->nexthdr != IPPROTO_ICMPV6 || ip6->hop_limit != ND_HOP_LIMIT ||
	    ns->icmp.icmp6_type != NDISC_NEIGHBOUR_SOLICITATION || ns->icmp.icmp6_code != 0)
		return XDP_PASS;
	payload_len = bpf_ntohs(ip6->payload_len);
	if (payload_len < sizeof(struct nd_msg) || payload_len > 256)
		return XDP_PASS;
	if ((void *)ns + payload_len > data_end)
		return XDP_PASS;

	key.ip6 = ns->target;
	key.ifindex = ctx->ingress_ifindex;
	stats = bpf_map_lookup_elem(&cilium_l2_responder_v6, &key);
	if (!stats)
		return XDP_PASS;
	mac = interface_mac();
	if (!mac)
		return XDP_PASS;
	verdict = answer_ns(ctx, mac, payload_len);
	if (verdict == XDP_TX)
		__sync_fetch_and_add(&stats->responses_sent, 1);
	return verdict;
}

SEC("xdp")
int l2_responder(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return answer_arp(ctx, eth, data_end);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return answer_ndp(ctx, eth, data_end);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
