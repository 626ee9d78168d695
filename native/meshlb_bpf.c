/*
 * meshlb_bpf: the few bpf(2) map commands the pinned map backend needs, as a Node-API addon.
 * Map writes go through the kernel's batch commands (one syscall per few thousand entries),
 * falling back to one syscall per entry from a tight C loop on kernels without them; either is
 * far faster than piping `bpftool batch`.
 *
 * Errors never throw: every call returns a number, negative errno on failure, so the
 * TypeScript side turns them into typed results. update/delete return how many entries were
 * written before a failure; the failing errno is then read with lastErrno().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/if_packet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int last_errno;

static long sys_bpf(int cmd, union bpf_attr *attr) {
  return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int64_t arg_int(napi_env env, napi_value v) {
  int64_t out = 0;
  napi_get_value_int64(env, v, &out);
  return out;
}

static void *arg_buf(napi_env env, napi_value v, size_t *len) {
  void *data = NULL;
  *len = 0;
  if (napi_get_buffer_info(env, v, &data, len) != napi_ok) return NULL;
  return data;
}

static napi_value num(napi_env env, double x) {
  napi_value out;
  napi_create_double(env, x, &out);
  return out;
}

#define ARGS(n)                                                                                  \
  size_t argc = n;                                                                               \
  napi_value argv[n];                                                                            \
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);                                          \
  if (argc < n) return num(env, -EINVAL);

/* create(type, keySize, valueSize, maxEntries, flags, name) -> fd | -errno */
static napi_value map_create(napi_env env, napi_callback_info info) {
  ARGS(6);
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.map_type = (uint32_t)arg_int(env, argv[0]);
  attr.key_size = (uint32_t)arg_int(env, argv[1]);
  attr.value_size = (uint32_t)arg_int(env, argv[2]);
  attr.max_entries = (uint32_t)arg_int(env, argv[3]);
  attr.map_flags = (uint32_t)arg_int(env, argv[4]);
  size_t n = 0;
  napi_get_value_string_utf8(env, argv[5], attr.map_name, sizeof(attr.map_name), &n);
  long fd = sys_bpf(BPF_MAP_CREATE, &attr);
  return num(env, fd < 0 ? -errno : fd);
}

/* pin(fd, path) -> 0 | -errno */
static napi_value obj_pin(napi_env env, napi_callback_info info) {
  ARGS(2);
  char path[4096];
  size_t n = 0;
  napi_get_value_string_utf8(env, argv[1], path, sizeof(path), &n);
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.bpf_fd = (uint32_t)arg_int(env, argv[0]);
  attr.pathname = (uint64_t)(uintptr_t)path;
  return num(env, sys_bpf(BPF_OBJ_PIN, &attr) < 0 ? -errno : 0);
}

/* get(path) -> fd | -errno */
static napi_value obj_get(napi_env env, napi_callback_info info) {
  ARGS(1);
  char path[4096];
  size_t n = 0;
  napi_get_value_string_utf8(env, argv[0], path, sizeof(path), &n);
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.pathname = (uint64_t)(uintptr_t)path;
  long fd = sys_bpf(BPF_OBJ_GET, &attr);
  return num(env, fd < 0 ? -errno : fd);
}

/* info(fd, out Uint32-sized Buffer of 5) -> 0 | -errno; out = type, key, value, max, flags */
static napi_value map_info(napi_env env, napi_callback_info info) {
  ARGS(2);
  size_t len;
  uint32_t *out = arg_buf(env, argv[1], &len);
  if (!out || len < 5 * sizeof(uint32_t)) return num(env, -EINVAL);
  struct bpf_map_info mi;
  memset(&mi, 0, sizeof(mi));
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.info.bpf_fd = (uint32_t)arg_int(env, argv[0]);
  attr.info.info_len = sizeof(mi);
  attr.info.info = (uint64_t)(uintptr_t)&mi;
  if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0) return num(env, -errno);
  out[0] = mi.type;
  out[1] = mi.key_size;
  out[2] = mi.value_size;
  out[3] = mi.max_entries;
  out[4] = mi.map_flags;
  return num(env, 0);
}

static long elem(int cmd, uint32_t fd, const void *key, void *value, uint64_t flags) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.map_fd = fd;
  attr.key = (uint64_t)(uintptr_t)key;
  attr.value = (uint64_t)(uintptr_t)value;
  attr.flags = flags;
  return sys_bpf(cmd, &attr);
}

/*
 * BPF_MAP_UPDATE_BATCH / BPF_MAP_DELETE_BATCH (Linux 5.6+): the kernel walks the arrays in
 * order and stops at the first failing element, reporting how many it processed, so a batch
 * keeps exactly the prefix semantics of one call per entry at a fraction of the syscalls.
 * Returns 0 with *done = count, or -1 with errno set and *done = entries processed.
 */
/* How many batch calls the kernel refused (then the entries went one syscall each). */
static double batch_refusals;

static int elem_batch(int cmd, uint32_t fd, uint8_t *keys, uint8_t *values, uint32_t count, uint32_t *done) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.batch.map_fd = fd;
  attr.batch.keys = (uint64_t)(uintptr_t)keys;
  attr.batch.values = (uint64_t)(uintptr_t)values;
  attr.batch.count = count;
  attr.batch.elem_flags = BPF_ANY;
  long rc = sys_bpf(cmd, &attr);
  if (rc >= 0) {
    *done = count;
    return 0;
  }
  /*
   * The kernel writes back how many it processed when an element fails; when it refuses the
   * command up front the count is left as given. A failure after all `count` is impossible, so
   * an unchanged count means nothing was written.
   */
  *done = attr.batch.count < count ? attr.batch.count : 0;
  return -1;
}

/* Errors meaning "this kernel or map type has no batch command", not "this entry failed". */
#define KERNEL_ENOTSUPP 524 /* what the kernel returns for a map type without batch ops */

static int batch_refused(int err) {
  return err == EINVAL || err == ENOTSUP || err == EOPNOTSUPP || err == ENOSYS || err == KERNEL_ENOTSUPP;
}

/* Largest batch per syscall: bounds how long one call keeps the kernel busy with this map. */
#define BATCH_MAX 8192u

/*
 * Writes entries with batch commands; returns the index reached. Stops at a failing entry
 * (last_errno set) or, when the kernel refuses the batch before writing anything, leaves the rest
 * to the per-entry loop, which then also reports the precise per-entry error if there is one.
 * Decided per call: a map type without batch support does not slow down the others.
 */
static size_t update_batched(uint32_t fd, uint8_t *keys, uint8_t *values, size_t ks, size_t vs, size_t count, int *failed) {
  size_t i = 0;
  *failed = 0;
  while (i < count) {
    uint32_t n = count - i > BATCH_MAX ? BATCH_MAX : (uint32_t)(count - i), done = 0;
    if (elem_batch(BPF_MAP_UPDATE_BATCH, fd, keys + i * ks, values + i * vs, n, &done) == 0) {
      i += n;
      continue;
    }
    int err = errno;
    i += done;
    if (done == 0 && batch_refused(err)) {
      batch_refusals++;
      break;
    }
    last_errno = err;
    *failed = 1;
    break;
  }
  return i;
}

/* update(fd, keys, values, keySize, valueSize) -> entries written (all of them on success) */
static napi_value map_update(napi_env env, napi_callback_info info) {
  ARGS(5);
  uint32_t fd = (uint32_t)arg_int(env, argv[0]);
  size_t klen, vlen;
  uint8_t *keys = arg_buf(env, argv[1], &klen);
  uint8_t *values = arg_buf(env, argv[2], &vlen);
  size_t ks = (size_t)arg_int(env, argv[3]), vs = (size_t)arg_int(env, argv[4]);
  if (ks == 0 || vs == 0 || klen % ks || vlen % vs || klen / ks != vlen / vs) return num(env, -EINVAL);
  size_t count = klen / ks;
  int failed;
  size_t i = update_batched(fd, keys, values, ks, vs, count, &failed);
  if (failed) return num(env, (double)i);
  for (; i < count; i++) {
    if (elem(BPF_MAP_UPDATE_ELEM, fd, keys + i * ks, values + i * vs, BPF_ANY) < 0) {
      last_errno = errno;
      break;
    }
  }
  return num(env, (double)i);
}

/* updateEach(fd, keys, values, keySize, valueSize): like update, one syscall per entry (bench baseline). */
static napi_value map_update_each(napi_env env, napi_callback_info info) {
  ARGS(5);
  uint32_t fd = (uint32_t)arg_int(env, argv[0]);
  size_t klen, vlen;
  uint8_t *keys = arg_buf(env, argv[1], &klen);
  uint8_t *values = arg_buf(env, argv[2], &vlen);
  size_t ks = (size_t)arg_int(env, argv[3]), vs = (size_t)arg_int(env, argv[4]);
  if (ks == 0 || vs == 0 || klen % ks || vlen % vs || klen / ks != vlen / vs) return num(env, -EINVAL);
  size_t count = klen / ks, i;
  for (i = 0; i < count; i++) {
    if (elem(BPF_MAP_UPDATE_ELEM, fd, keys + i * ks, values + i * vs, BPF_ANY) < 0) {
      last_errno = errno;
      break;
    }
  }
  return num(env, (double)i);
}

/* batchRefusals() -> how many batch calls fell back to one syscall per entry so far. */
static napi_value get_batch_refusals(napi_env env, napi_callback_info info) {
  (void)info;
  return num(env, batch_refusals);
}

/* remove(fd, keys, keySize) -> keys processed; a missing key is not an error */
static napi_value map_delete(napi_env env, napi_callback_info info) {
  ARGS(3);
  uint32_t fd = (uint32_t)arg_int(env, argv[0]);
  size_t klen;
  uint8_t *keys = arg_buf(env, argv[1], &klen);
  size_t ks = (size_t)arg_int(env, argv[2]);
  if (ks == 0 || klen % ks) return num(env, -EINVAL);
  size_t count = klen / ks, i = 0;
  while (i < count) {
    uint32_t n = count - i > BATCH_MAX ? BATCH_MAX : (uint32_t)(count - i), done = 0;
    if (elem_batch(BPF_MAP_DELETE_BATCH, fd, keys + i * ks, NULL, n, &done) == 0) {
      i += n;
      continue;
    }
    int err = errno;
    i += done;
    /* The batch stops at a missing key; deleting it is a no-op here, so step over it. */
    if (err == ENOENT) {
      i++;
      continue;
    }
    if (done == 0 && batch_refused(err)) {
      batch_refusals++;
      break;
    }
    last_errno = err;
    return num(env, (double)i);
  }
  for (; i < count; i++) {
    if (elem(BPF_MAP_DELETE_ELEM, fd, keys + i * ks, NULL, 0) < 0 && errno != ENOENT) {
      last_errno = errno;
      break;
    }
  }
  return num(env, (double)i);
}

/* lookup(fd, key, valueOut) -> 1 found | 0 absent | -errno */
static napi_value map_lookup(napi_env env, napi_callback_info info) {
  ARGS(3);
  size_t klen, vlen;
  uint8_t *key = arg_buf(env, argv[1], &klen);
  uint8_t *value = arg_buf(env, argv[2], &vlen);
  if (!key || !value) return num(env, -EINVAL);
  if (elem(BPF_MAP_LOOKUP_ELEM, (uint32_t)arg_int(env, argv[0]), key, value, 0) < 0) {
    return num(env, errno == ENOENT ? 0 : -errno);
  }
  return num(env, 1);
}

/*
 * dump(fd, keysOut, valuesOut, keySize, valueSize) -> entries | -errno. Walks the keys with
 * GET_NEXT_KEY; stops when the output is full, so a map changed concurrently cannot loop forever.
 */
static napi_value map_dump(napi_env env, napi_callback_info info) {
  ARGS(5);
  uint32_t fd = (uint32_t)arg_int(env, argv[0]);
  size_t klen, vlen;
  uint8_t *keys = arg_buf(env, argv[1], &klen);
  uint8_t *values = arg_buf(env, argv[2], &vlen);
  size_t ks = (size_t)arg_int(env, argv[3]), vs = (size_t)arg_int(env, argv[4]);
  if (!keys || !values || ks == 0 || vs == 0) return num(env, -EINVAL);
  size_t cap = klen / ks < vlen / vs ? klen / ks : vlen / vs, n = 0;
  const void *prev = NULL;
  while (n < cap) {
    uint8_t *key = keys + n * ks;
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.map_fd = fd;
    attr.key = (uint64_t)(uintptr_t)prev;
    attr.next_key = (uint64_t)(uintptr_t)key;
    if (sys_bpf(BPF_MAP_GET_NEXT_KEY, &attr) < 0) {
      if (errno == ENOENT) break;
      return num(env, -errno);
    }
    /* An entry deleted between the two calls is skipped, not reported. */
    if (elem(BPF_MAP_LOOKUP_ELEM, fd, key, values + n * vs, 0) < 0) {
      if (errno != ENOENT) return num(env, -errno);
      memcpy(keys + cap * ks - ks, key, ks);
      prev = keys + cap * ks - ks;
      continue;
    }
    prev = key;
    n++;
  }
  return num(env, (double)n);
}

static napi_value fd_close(napi_env env, napi_callback_info info) {
  ARGS(1);
  return num(env, close((int)arg_int(env, argv[0])) < 0 ? -errno : 0);
}

static napi_value get_last_errno(napi_env env, napi_callback_info info) {
  (void)info;
  return num(env, last_errno);
}

/*
 * A raw AF_PACKET socket (Node has none), created inside the network namespace `netns` when
 * one is named. setns() only moves the calling thread and the socket keeps the namespace it
 * was created in, so the thread switches back right away; it cannot stay elsewhere.
 */
static int packet_socket_in(const char *netns) {
  if (!netns[0]) return socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) return -1;
  int target = open(netns, O_RDONLY | O_CLOEXEC);
  if (target < 0 || setns(target, CLONE_NEWNET) < 0) {
    int saved = errno;
    if (target >= 0) close(target);
    close(self);
    errno = saved;
    return -1;
  }
  close(target);
  int sock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  int saved = errno;
  if (setns(self, CLONE_NEWNET) < 0) {
    /* The JavaScript thread would keep running in the wrong namespace: nothing sane is left. */
    fprintf(stderr, "meshlb_bpf: cannot return to the original network namespace (errno %d)\n", errno);
    abort();
  }
  close(self);
  errno = saved;
  return sock;
}

/* packetSend(ifindex, frame, netnsPath or "") -> bytes sent | -errno. Protocol 0: send only. */
static napi_value packet_send(napi_env env, napi_callback_info info) {
  ARGS(3);
  size_t len;
  uint8_t *frame = arg_buf(env, argv[1], &len);
  char netns[256];
  size_t n = 0;
  if (!frame || len < 14 || napi_get_value_string_utf8(env, argv[2], netns, sizeof(netns), &n) != napi_ok) return num(env, -EINVAL);
  int sock = packet_socket_in(netns);
  if (sock < 0) return num(env, -errno);
  struct sockaddr_ll to;
  memset(&to, 0, sizeof(to));
  to.sll_family = AF_PACKET;
  to.sll_ifindex = (int)arg_int(env, argv[0]);
  to.sll_halen = 6;
  memcpy(to.sll_addr, frame, 6);
  memcpy(&to.sll_protocol, frame + 12, 2);
  ssize_t sent = sendto(sock, frame, len, 0, (struct sockaddr *)&to, sizeof(to));
  int saved = errno;
  close(sock);
  return num(env, sent < 0 ? -saved : (double)sent);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"create", NULL, map_create, NULL, NULL, NULL, napi_default, NULL},
      {"pin", NULL, obj_pin, NULL, NULL, NULL, napi_default, NULL},
      {"get", NULL, obj_get, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, map_info, NULL, NULL, NULL, napi_default, NULL},
      {"update", NULL, map_update, NULL, NULL, NULL, napi_default, NULL},
      {"updateEach", NULL, map_update_each, NULL, NULL, NULL, napi_default, NULL},
      {"batchRefusals", NULL, get_batch_refusals, NULL, NULL, NULL, napi_default, NULL},
      {"remove", NULL, map_delete, NULL, NULL, NULL, napi_default, NULL},
      {"lookup", NULL, map_lookup, NULL, NULL, NULL, napi_default, NULL},
      {"dump", NULL, map_dump, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, fd_close, NULL, NULL, NULL, napi_default, NULL},
      {"lastErrno", NULL, get_last_errno, NULL, NULL, NULL, napi_default, NULL},
      {"packetSend", NULL, packet_send, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
