/* Test helper: makes the calling process resolve "localhost" as Debian's
 * standard /etc/hosts does (::1 first, then 127.0.0.1), whatever the
 * machine's own hosts file says. It enters a private mount namespace (as
 * root, or else inside a user namespace) and bind-mounts a hosts file over
 * /etc/hosts. Call it in a forked, single-threaded child only: the change
 * lasts for that process. Returns true when "localhost" now resolves to both
 * families (also when the machine's own hosts file already does that). */
#ifndef GF_TEST_DUAL_HOSTS_H
#define GF_TEST_DUAL_HOSTS_H

#include <fcntl.h>
#include <netdb.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

static inline bool gf_test_localhost_has_both(void) {
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo("localhost", "1", &hints, &res) != 0) return false;
  bool v4 = false, v6 = false;
  for (struct addrinfo* ai = res; ai; ai = ai->ai_next) {
    v4 |= ai->ai_family == AF_INET;
    v6 |= ai->ai_family == AF_INET6;
  }
  freeaddrinfo(res);
  return v4 && v6;
}

static inline bool gf_test_write_file(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
  close(fd);
  return ok;
}

/* A private mount namespace: directly as root, else in a user namespace
 * that maps the caller's ids. */
static inline bool gf_test_private_mounts(void) {
  if (unshare(CLONE_NEWNS) == 0) return true;
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return false;
  char map[64];
  gf_test_write_file("/proc/self/setgroups", "deny");
  snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
  if (!gf_test_write_file("/proc/self/uid_map", map)) return false;
  snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
  return gf_test_write_file("/proc/self/gid_map", map);
}

static inline bool gf_test_dual_localhost(void) {
  if (gf_test_localhost_has_both()) return true;
  char path[] = "/tmp/gf_hosts_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return false;
  static const char hosts[] = "::1\tlocalhost ip6-localhost ip6-loopback\n"
                              "127.0.0.1\tlocalhost\n";
  bool ok = write(fd, hosts, sizeof hosts - 1) == (ssize_t)(sizeof hosts - 1);
  close(fd);
  ok = ok && gf_test_private_mounts() &&
       mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
       mount(path, "/etc/hosts", NULL, MS_BIND, NULL) == 0;
  unlink(path); /* the bind mount keeps the file's contents */
  return ok && gf_test_localhost_has_both();
}

#endif
