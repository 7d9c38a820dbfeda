#!/usr/bin/env bash
# Installs, from Debian packages and only when missing, what building and testing flowtrace needs:
# a JDK 17+, Maven, libpcap (live capture), nats-server (NATS sink tests), iproute2 (network namespaces),
# tcpdump and tcpreplay (live capture tests and measurements), nfdump (nfcapd, the IPFIX sink's collector test),
# promtool from prometheus (the /metrics test), clickhouse-server (the ClickHouse snapshot store's tests),
# python3-aiosmtpd (the email notifier's SMTP server in tests), tshark (capinfos and tshark read the packet tee's
# files). Run as root.
# --jdk25: only Temurin 25 (the suite's second JDK), from the Adoptium package repository; where that cannot be
# reached this says so in one line and exits 0, leaving apt's sources as they were.
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
java_ok() {
  have_cmd javac || return 1
  local v
  v=$(javac -version 2>&1 | awk '{print $2}' | cut -d. -f1)
  [ "${v:-0}" -ge 17 ]
}
if [ "${1:-}" = "--jdk25" ]; then
  for d in /usr/lib/jvm/temurin-25-jdk* /usr/lib/jvm/java-25-openjdk* /usr/lib/jvm/jdk-25*; do
    [ -x "$d/bin/java" ] && exit 0
  done
  list=/etc/apt/sources.list.d/flowtrace-adoptium.list
  key=/etc/apt/keyrings/flowtrace-adoptium.asc
  if [ "$(id -u)" -eq 0 ] && mkdir -p /etc/apt/keyrings \
      && curl -fsSL --max-time 30 -o "$key" https://packages.adoptium.net/artifactory/api/gpg/key/public 2>/dev/null \
      && echo "deb [signed-by=$key] https://packages.adoptium.net/artifactory/deb $(. /etc/os-release && echo "$VERSION_CODENAME") main" > "$list" \
      && apt-get update -qq >/dev/null 2>&1 \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends temurin-25-jdk >/dev/null 2>&1; then
    echo "flowtrace: installed Temurin 25 from the Adoptium repository" >&2
  else
    rm -f "$list" "$key"
    echo "flowtrace: Temurin 25 could not be installed (Adoptium's package repository not reachable, or not root); going on without it" >&2
  fi
  exit 0
fi
java_ok || need+=(openjdk-17-jdk-headless)
have_cmd mvn || need+=(maven)
if [ "${1:-}" = "--test" ]; then
  ldconfig -p 2>/dev/null | grep -q 'libpcap\.so' || need+=(libpcap0.8)
  have_cmd nats-server || need+=(nats-server)
  have_cmd ip || need+=(iproute2)
  have_cmd tcpdump || need+=(tcpdump)
  have_cmd tcpreplay || need+=(tcpreplay)
  have_cmd nfcapd || need+=(nfdump)
  have_cmd promtool || need+=(prometheus)
  [ -x /usr/sbin/clickhouse-server ] || have_cmd clickhouse-server || need+=(clickhouse-server)
  have_cmd chromium || need+=(chromium) # the page's tests load it in headless Chromium
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd) # the email notifier's tests
  have_cmd capinfos || need+=(tshark) # capinfos and tshark read the packet tee's files in its tests
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
