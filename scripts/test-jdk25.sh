#!/usr/bin/env bash
# Runs the test suite, built for Java 17 by the JDK that runs Maven, on JDK 25: surefire and failsafe fork their
# test JVMs from it (the jvm property), and the end-to-end tests start the agent jar with that same java.
# JDK 25 is looked for in JDK25_HOME, then /usr/lib/jvm; scripts/install-deps.sh --jdk25 installs Temurin 25 where
# the package repository is reachable. Without one this says so in one line and exits 0.
# Options go to Maven: e.g. -pl flowtrace-core,flowtrace-sketch for a subset.
set -euo pipefail
cd "$(dirname "$0")/.."
jdk=${JDK25_HOME:-}
if [ -z "$jdk" ]; then
    for d in /usr/lib/jvm/temurin-25-jdk* /usr/lib/jvm/java-25-openjdk* /usr/lib/jvm/jdk-25*; do
        if [ -x "$d/bin/java" ]; then
            jdk=$d
            break
        fi
    done
fi
if [ -z "$jdk" ] || [ ! -x "$jdk/bin/java" ]; then
    echo "flowtrace: no JDK 25 here (JDK25_HOME unset, none in /usr/lib/jvm): the suite did not run on JDK 25"
    exit 0
fi
version=$("$jdk/bin/java" -version 2>&1 | head -1)
echo "flowtrace: the test suite, built by $(javac -version 2>&1) for release 17, runs on $jdk: $version"
start=$(date +%s)
# already built and checked on JDK 17: no javadoc or enforcer again, the same classes and jars
mvn -B -o -Dstyle.color=never -Dmaven.javadoc.skip=true -Denforcer.skip=true -Djvm="$jdk/bin/java" verify "$@"
echo "flowtrace: the test suite on JDK 25 took $(( $(date +%s) - start )) s"
