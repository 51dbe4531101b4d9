# Sourced by the scripts: finds a JDK >= 21 and exports JAVA_HOME and PATH so that java and Maven use it.
# Order: $JAVA_HOME, then the java on the PATH, then ${BNNCIM_JVM_DIR:-/usr/lib/jvm}/*. Prints one line and
# returns 1 when none is found. bnncim_ensure_build_tools also installs a JDK and Maven from Debian's packages
# when it can (root, apt-get) and says in one line what to install when it cannot.
# For tests: BNNCIM_JVM_DIR replaces /usr/lib/jvm, BNNCIM_APT_GET replaces apt-get.
bnncim_java_major() {
  # prints the feature version of the java binary given, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

# One line: what to install, for the Debian releases the project meets (12 has no JDK 21 package).
bnncim_jdk_hint() {
  echo "bnncim: needs a JDK >= 21 (none in JAVA_HOME, on the PATH or in ${BNNCIM_JVM_DIR:-/usr/lib/jvm}):" \
    "on Debian 13 run apt-get install openjdk-21-jdk-headless maven; Debian 12 has no JDK 21 package," \
    "so install Temurin 21+ and set JAVA_HOME to it"
}

bnncim_find_jdk() {
  local cand home v jvm="${BNNCIM_JVM_DIR:-/usr/lib/jvm}"
  for cand in ${JAVA_HOME:+"$JAVA_HOME"} \
              "$(command -v java >/dev/null 2>&1 && dirname "$(dirname "$(readlink -f "$(command -v java)")")")" \
              "$jvm"/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    v="$(bnncim_java_major "$cand/bin/java")"
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then home="$cand"; break; fi
  done
  if [ -z "${home:-}" ]; then
    bnncim_jdk_hint >&2
    return 1
  fi
  export JAVA_HOME="$home"
  export PATH="$home/bin:$PATH"
  # Maven 3.8's bundled Guava calls sun.misc.Unsafe, which JDK 24+ warns about on every build
  if [ "${v:-0}" -ge 24 ] && [[ "${MAVEN_OPTS:-}" != *sun-misc-unsafe* ]]; then
    export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow"
  fi
}

bnncim_apt() {
  DEBIAN_FRONTEND=noninteractive "${BNNCIM_APT_GET:-apt-get}" "$@"
}

# Installing is tried only where it can work: as root, with apt-get.
bnncim_can_install() {
  [ "$(id -u)" = 0 ] && command -v "${BNNCIM_APT_GET:-apt-get}" >/dev/null 2>&1
}

# Installs the first JDK >= 21 Debian offers (Debian 13: 21 and 25; Debian 12: none). Quiet unless it installs.
bnncim_install_jdk() {
  bnncim_can_install || return 1
  bnncim_apt update -qq >/dev/null 2>&1 || true
  local pkg
  for pkg in openjdk-25-jdk-headless openjdk-21-jdk-headless; do
    bnncim_apt install -s -qq "$pkg" >/dev/null 2>&1 || continue
    echo "bnncim: installing $pkg from Debian's packages" >&2
    bnncim_apt install -y -qq "$pkg" >/dev/null 2>&1 && return 0
  done
  return 1
}

bnncim_ensure_jdk() {
  bnncim_find_jdk 2>/dev/null && return 0
  bnncim_install_jdk || true
  bnncim_find_jdk
}

bnncim_ensure_mvn() {
  command -v mvn >/dev/null 2>&1 && return 0
  if bnncim_can_install; then
    echo "bnncim: installing Maven from Debian's packages" >&2
    { bnncim_apt update -qq; bnncim_apt install -y -qq maven; } >/dev/null 2>&1
    command -v mvn >/dev/null 2>&1 && return 0
  fi
  echo "bnncim: needs Maven 3.8 or newer to build: on Debian run apt-get install maven" >&2
  return 1
}

# For the launcher's first build and the test scripts: a JDK >= 21 and Maven, installed when missing and possible.
bnncim_ensure_build_tools() {
  bnncim_ensure_jdk || return 1
  bnncim_ensure_mvn
}
