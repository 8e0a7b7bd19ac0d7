/* net.c — the Linux side of AIOS's transmit benchmark (src/kernel/selftest/net.ts
 * and netframes.ts), as a static program run by the baseline guest's /init once
 * the interface is up as 10.0.2.15/24:
 *   net IFACE NAME
 * One UDP datagram to the slirp gateway 10.0.2.2 first, untimed, so the kernel
 * resolves its MAC by ARP (AIOS also ARPs before its clock starts). Then two runs
 * of 20,000 minimum-size (60-byte) frames to 10.0.2.2 port 9, each timed from the
 * first send until the interface's tx_packets counter (which both drivers bump when
 * the device hands a frame back) has counted them all:
 *   NAME      an AF_PACKET raw socket sending one prebuilt Ethernet+IPv4+UDP frame,
 *             the same bytes AIOS sends (UDP checksum 0): the like-for-like figure;
 *   NAME-udp  an ordinary UDP socket, sendto() of 18 payload bytes, which the kernel
 *             wraps into the same 60-byte frame: what a Linux application gets.
 * Blocking sockets: when the send buffer is full, sendto() sleeps until the driver
 * frees frames, so nothing is dropped for want of room (dropped= says if it was).
 * Prints "LINUX bench NAME frames= ns= fps= dropped=" for each. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAMES 20000
#define FRAME_BYTES 60                      /* Ethernet minimum without the FCS */
#define ETHER_HEADER 14
#define IP_HEADER 20
#define UDP_HEADER 8
#define PAYLOAD (FRAME_BYTES - ETHER_HEADER - IP_HEADER - UDP_HEADER)
#define GUEST_IP "10.0.2.15"
#define GATEWAY_IP "10.0.2.2"
#define DISCARD_PORT 9
#define SOURCE_PORT 40000
#define DRAIN_NS 5000000000ull              /* as AIOS: give the device 5 s to finish */

static const char *iface;

static uint64_t now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t counter(const char *which) {
  char path[128], text[32] = {0};
  snprintf(path, sizeof path, "/sys/class/net/%s/statistics/%s", iface, which);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  return n > 0 ? strtoull(text, NULL, 10) : 0;
}

/* the gateway's MAC from the kernel's ARP table, once the entry is complete (flags 0x2) */
static int gatewayMac(unsigned char mac[6]) {
  for (int tries = 0; tries < 500; tries++) {
    FILE *f = fopen("/proc/net/arp", "r");
    char line[256], ip[64], hw[64];
    unsigned type, flags;
    while (f && fgets(line, sizeof line, f)) {
      if (sscanf(line, "%63s 0x%x 0x%x %63s", ip, &type, &flags, hw) == 4 && strcmp(ip, GATEWAY_IP) == 0 && (flags & 2)
          && sscanf(hw, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) == 6) {
        fclose(f);
        return 0;
      }
    }
    if (f) fclose(f);
    usleep(10000);
  }
  return -1;
}

static uint16_t checksum(const unsigned char *p, int bytes) {
  uint32_t sum = 0;
  for (int i = 0; i < bytes; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static void put16(unsigned char *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }

/* Sends FRAMES with `send_one`, waits until tx_packets has counted them, prints the line. */
static int flood(const char *name, int (*send_one)(void)) {
  uint64_t base = counter("tx_packets"), dropped = counter("tx_dropped");
  uint64_t start = now();
  for (int i = 0; i < FRAMES; i++) {
    if (send_one() < 0) {
      printf("LINUX bench %s failed: ", name);
      fflush(stdout);
      perror("sendto");
      return 1;
    }
  }
  uint64_t done;
  while ((done = counter("tx_packets") - base) < FRAMES && now() - start < DRAIN_NS) {}
  uint64_t elapsed = now() - start;
  printf("LINUX bench %s frames=%llu ns=%llu fps=%llu dropped=%llu\n", name, (unsigned long long)done,
         (unsigned long long)elapsed, (unsigned long long)(elapsed ? done * 1000000000ull / elapsed : 0),
         (unsigned long long)(counter("tx_dropped") - dropped));
  fflush(stdout);
  return done >= FRAMES ? 0 : 1;
}

static int udp, packet;
static struct sockaddr_in gateway;
static struct sockaddr_ll link_gateway;
static unsigned char frame[FRAME_BYTES], payload[PAYLOAD];

static int send_udp(void) {
  return (int)sendto(udp, payload, PAYLOAD, 0, (struct sockaddr *)&gateway, sizeof gateway);
}

static int send_packet(void) {
  return (int)sendto(packet, frame, FRAME_BYTES, 0, (struct sockaddr *)&link_gateway, sizeof link_gateway);
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: net IFACE NAME\n"); return 2; }
  iface = argv[1];
  const char *name = argv[2];
  udp = socket(AF_INET, SOCK_DGRAM, 0);
  packet = socket(AF_PACKET, SOCK_RAW, 0);     /* protocol 0: send only, receives nothing */
  if (udp < 0 || packet < 0) { perror("socket"); return 1; }
  gateway.sin_family = AF_INET;
  gateway.sin_port = htons(DISCARD_PORT);
  inet_pton(AF_INET, GATEWAY_IP, &gateway.sin_addr);

  /* untimed: one datagram, so the kernel ARPs for the gateway */
  if (send_udp() < 0) { perror("sendto"); return 1; }
  unsigned char mac[6];
  if (gatewayMac(mac) < 0) { printf("LINUX bench %s failed: no ARP reply from %s\n", name, GATEWAY_IP); return 1; }
  struct ifreq request;
  memset(&request, 0, sizeof request);
  strncpy(request.ifr_name, iface, IFNAMSIZ - 1);
  unsigned char own[6];   /* the two answers share a union: one ioctl, then the other */
  if (ioctl(packet, SIOCGIFHWADDR, &request) < 0) { perror("SIOCGIFHWADDR"); return 1; }
  memcpy(own, request.ifr_hwaddr.sa_data, 6);
  if (ioctl(packet, SIOCGIFINDEX, &request) < 0) { perror("SIOCGIFINDEX"); return 1; }
  link_gateway.sll_family = AF_PACKET;
  link_gateway.sll_ifindex = request.ifr_ifindex;
  link_gateway.sll_halen = 6;
  memcpy(link_gateway.sll_addr, mac, 6);

  /* the frame AIOS's udpFlood builds: Ethernet, IPv4 (TTL 64, checksummed), UDP without checksum */
  memcpy(frame, mac, 6);
  memcpy(frame + 6, own, 6);
  put16(frame + 12, 0x0800);
  unsigned char *ip = frame + ETHER_HEADER;
  ip[0] = 0x45;
  put16(ip + 2, IP_HEADER + UDP_HEADER + PAYLOAD);
  ip[8] = 64;
  ip[9] = IPPROTO_UDP;
  inet_pton(AF_INET, GUEST_IP, ip + 12);
  inet_pton(AF_INET, GATEWAY_IP, ip + 16);
  put16(ip + 10, checksum(ip, IP_HEADER));
  unsigned char *u = ip + IP_HEADER;
  put16(u, SOURCE_PORT);
  put16(u + 2, DISCARD_PORT);
  put16(u + 4, UDP_HEADER + PAYLOAD);

  char udpName[64];
  snprintf(udpName, sizeof udpName, "%s-udp", name);
  int failed = flood(name, send_packet);
  failed |= flood(udpName, send_udp);
  return failed;
}
