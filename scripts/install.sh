#!/bin/sh
# Installs the built flowtrace: the jar, the bin/flowtrace launcher and the agent's systemd unit.
#
#   mvn -DskipTests package && sudo scripts/install.sh
#   DESTDIR=/tmp/stage scripts/install.sh          (staged, for a package: nothing outside DESTDIR is touched)
#
# PREFIX (default /opt/flowtrace) holds flowtrace.jar, bin/flowtrace and LICENSE; BINDIR (default /usr/local/bin)
# gets a flowtrace link to the launcher; UNITDIR (default /etc/systemd/system) gets flowtrace-agent.service, its
# paths rewritten when PREFIX is not the default. Creating the user and enabling the unit are left to the
# administrator (the unit's header lists the commands).
set -eu
cd "$(dirname "$0")/.."
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/opt/flowtrace}
BINDIR=${BINDIR:-/usr/local/bin}
UNITDIR=${UNITDIR:-/etc/systemd/system}
jar=flowtrace-examples/target/flowtrace.jar
unit=flowtrace-examples/systemd/flowtrace-agent.service

[ -f "$jar" ] || { echo "install: $jar not built (run: mvn -DskipTests package)" >&2; exit 1; }

install -d "$DESTDIR$PREFIX/bin" "$DESTDIR$BINDIR" "$DESTDIR$UNITDIR"
install -m 0644 "$jar" "$DESTDIR$PREFIX/flowtrace.jar"
install -m 0755 bin/flowtrace "$DESTDIR$PREFIX/bin/flowtrace"
install -m 0644 LICENSE "$DESTDIR$PREFIX/LICENSE"
ln -sf "$PREFIX/bin/flowtrace" "$DESTDIR$BINDIR/flowtrace"
sed "s#/opt/flowtrace/#$PREFIX/#g" "$unit" > "$DESTDIR$UNITDIR/flowtrace-agent.service"
chmod 0644 "$DESTDIR$UNITDIR/flowtrace-agent.service"
echo "flowtrace: installed $PREFIX/flowtrace.jar, $BINDIR/flowtrace and $UNITDIR/flowtrace-agent.service${DESTDIR:+ under $DESTDIR}"
