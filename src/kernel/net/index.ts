// net — the network stack over the NIC drivers: Ethernet, ARP, IPv4 (fragments
// reassembled on the way in, made on the way out), ICMP echo and unreachable, UDP
// delivered to IPC endpoints, a DHCP client, a DNS stub resolver. (TCP and the HTTP service plane come
// with the rest of issue 7.)
import * as arp from "./arp";
import * as bytes from "./bytes";
import * as dhcp from "./dhcp";
import * as dns from "./dns";
import * as ethernet from "./ethernet";
import * as icmp from "./icmp";
import * as iface from "./interface";
import * as ipv4 from "./ipv4";
import * as reassembly from "./reassembly";
import * as stack from "./stack";
import * as udp from "./udp";
export { arp, bytes, dhcp, dns, ethernet, icmp, iface, ipv4, reassembly, stack, udp };
