#!/usr/bin/env bash
# Installs, from Debian packages and only when missing, what building and testing flowtrace needs:
# a JDK 17+, Maven, libpcap (live capture), nats-server (NATS sink tests), iproute2 (network namespaces),
# tcpdump and tcpreplay (live capture tests and measurements), promtool from prometheus (the /metrics test).
# Run as root.
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
java_ok() {
  have_cmd javac || return 1
  local v
  v=$(javac -version 2>&1 | awk '{print $2}' | cut -d. -f1)
  [ "${v:-0}" -ge 17 ]
}
java_ok || need+=(openjdk-17-jdk-headless)
have_cmd mvn || need+=(maven)
if [ "${1:-}" = "--test" ]; then
  ldconfig -p 2>/dev/null | grep -q 'libpcap\.so' || need+=(libpcap0.8)
  have_cmd nats-server || need+=(nats-server)
  have_cmd ip || need+=(iproute2)
  have_cmd tcpdump || need+=(tcpdump)
  have_cmd tcpreplay || need+=(tcpreplay)
  have_cmd promtool || need+=(prometheus)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "flowtrace: missing ${need[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "flowtrace: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
