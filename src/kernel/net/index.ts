// net — the network stack over the NIC drivers: Ethernet, ARP, IPv4 (fragments
// reassembled on the way in, made on the way out), ICMP echo and unreachable,
// UDP delivered to IPC endpoints, TCP (tcp/), a DHCP client, a DNS stub
// resolver, HTTP/1.1 (http/), and the network thread that runs it all from boot
// (service.ts).
import * as arp from "./arp";
import * as bytes from "./bytes";
import * as dhcp from "./dhcp";
import * as dns from "./dns";
import * as ethernet from "./ethernet";
import * as http from "./http";
import * as icmp from "./icmp";
import * as iface from "./interface";
import * as ipv4 from "./ipv4";
import * as reassembly from "./reassembly";
import * as routes from "./routes";
import * as service from "./service";
import * as stack from "./stack";
import * as tcp from "./tcp";
import * as udp from "./udp";
export { arp, bytes, dhcp, dns, ethernet, http, icmp, iface, ipv4, reassembly, routes, service, stack, tcp, udp };
