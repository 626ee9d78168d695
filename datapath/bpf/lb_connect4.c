// SPDX-License-Identifier: Apache-2.0
/*
 * Socket-level load balancing for IPv4 connect(): the destination is looked up in the
 * service map (slot 0), one of slots 1..count is picked at random, its backend is looked up
 * and the socket is connected there instead. The structs mirror datapath/layouts/lb.ts byte
 * for byte: addresses, ports and rev_nat_index in network order, IDs/slots/counts in host
 * order. Non-service destinations are left alone; the program never refuses a connect.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

struct lb4_key {
	__be32 address;
	__be16 dport;
	__u16 backend_slot;
	__u8 proto;
	__u8 scope;
	__u8 pad[2];
};

struct lb4_service {
	__u32 backend_id;
	__u16 count;
	__be16 rev_nat_index;
	__u8 flags;
	__u8 flags2;
	__u16 qcount;
};

struct lb4_backend {
	__be32 address;
	__be16 port;
	__u8 proto;
	__u8 flags;
	__u16 cluster_id;
	__u8 zone;
	__u8 pad;
};

/* Same names, types and sizes as the control plane's pins, so bpftool can reuse them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct lb4_key);
	__type(value, struct lb4_service);
	__uint(max_entries, 65536);
} cilium_lb4_services_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct lb4_backend);
	__uint(max_entries, 65536);
} cilium_lb4_backends_v3 SEC(".maps");

#define BACKEND_STATE_ACTIVE 0

static __always_inline struct lb4_service *lookup_frontend(struct lb4_key *key, __u8 proto)
{
	struct lb4_service *svc;

	key->proto = proto;
	svc = bpf_map_lookup_elem(&cilium_lb4_services_v2, key);
	if (svc)
		return svc;
	/* Frontends written without a protocol (proto 0) match any protocol. */
	key->proto = 0;
	return bpf_map_lookup_elem(&cilium_lb4_services_v2, key);
}

SEC("cgroup/connect4")
int lb_connect4(struct bpf_sock_addr *ctx)
{
	struct lb4_key key = {};
	struct lb4_service *svc, *slot;
	struct lb4_backend *backend;
	__u32 backend_id;

	key.address = ctx->user_ip4;
	/* user_port keeps the port in network order in its low 16 bits, as the key does. */
	key.dport = (__be16)ctx->user_port;
	svc = lookup_frontend(&key, (__u8)ctx->protocol);
	if (!svc || svc->count == 0)
		return 1;

	key.backend_slot = (bpf_get_prandom_u32() % svc->count) + 1;
	slot = bpf_map_lookup_elem(&cilium_lb4_services_v2, &key);
	if (!slot)
		return 1;
	backend_id = slot->backend_id;
	backend = bpf_map_lookup_elem(&cilium_lb4_backends_v3, &backend_id);
	if (!backend || backend->flags != BACKEND_STATE_ACTIVE)
		return 1;

	ctx->user_ip4 = backend->address;
	ctx->user_port = backend->port;
	return 1;
}

char _license[] SEC("license") = "GPL";
