#!/usr/bin/env bash
# Records flowtrace-examples/captures/sample.pcap: real traffic between three network namespaces on a bridge
# (HTTP over IPv4 and IPv6, a UDP request/response service, ICMP and ICMPv6 echo, a refused TCP connection,
# ARP and neighbour discovery). Needs root, iproute2, tcpdump, curl, ping, ethtool and python3.
# Usage: sudo bash make-sample.sh [OUTPUT.pcap]
out=${1:-sample.pcap}
www=$(mktemp -d)
trap 'rm -rf "$www"' EXIT
set -e
cleanup() { for n in 1 2 3; do ip netns del ftdemo$n 2>/dev/null || true; ip link del ftv$n 2>/dev/null || true; done; ip link del ftbr0 2>/dev/null || true; }
cleanup
ip link add ftbr0 type bridge
ip link set ftbr0 up
for n in 1 2 3; do
  ip netns add ftdemo$n
  ip link add ftv$n type veth peer name eth0 netns ftdemo$n
  ip link set ftv$n master ftbr0 up
  ip netns exec ftdemo$n ip link set lo up
  ip netns exec ftdemo$n ip addr add 10.77.0.$n/24 dev eth0
  ip netns exec ftdemo$n ip addr add fd77::$n/64 dev eth0 nodad
  ip netns exec ftdemo$n ip link set eth0 up
  ip netns exec ftdemo$n ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1 || true
  ethtool -K ftv$n tso off gso off gro off >/dev/null 2>&1 || true
done
sleep 1
tcpdump -i ftbr0 -w "$out" -s 262144 -U >/dev/null 2>&1 &
TD=$!
sleep 1
mkdir -p "$www" && head -c 200000 /dev/urandom > "$www"/big.bin && echo hello > "$www"/index.html
ip netns exec ftdemo1 python3 -m http.server 8080 --bind :: --directory "$www" >/dev/null 2>&1 &
WS=$!
# UDP echo server in ns2
ip netns exec ftdemo2 python3 -c '
import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("0.0.0.0",5353)); s.settimeout(15)
try:
  while True:
    d,a=s.recvfrom(2048); s.sendto(d*2,a)
except Exception: pass' &
US=$!
sleep 1.5
ip netns exec ftdemo2 curl -s -o /dev/null http://10.77.0.1:8080/index.html
ip netns exec ftdemo3 curl -s -o /dev/null http://10.77.0.1:8080/big.bin
ip netns exec ftdemo3 curl -s -o /dev/null "http://[fd77::1]:8080/index.html"
ip netns exec ftdemo2 curl -s -o /dev/null "http://[fd77::1]:8080/big.bin"
ip netns exec ftdemo3 ping -c 3 -i 0.2 10.77.0.2 >/dev/null
ip netns exec ftdemo1 ping -6 -c 2 -i 0.2 fd77::3 >/dev/null
ip netns exec ftdemo3 python3 -c '
import socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(1)
for i in range(5):
  s.sendto(b"query-%d"%i,("10.77.0.2",5353)); s.recvfrom(4096); time.sleep(0.1)'
ip netns exec ftdemo1 python3 -c '
import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(1)
s.sendto(b"hello",("10.77.0.2",5353)); s.recvfrom(4096)'
ip netns exec ftdemo2 curl -s -o /dev/null --max-time 2 http://10.77.0.3:9999/ || true
ip netns exec ftdemo3 curl -s -o /dev/null http://10.77.0.1:8080/big.bin
sleep 1
kill $WS $US 2>/dev/null || true
sleep 1
kill $TD; wait $TD 2>/dev/null || true
cleanup
