# Sourced by the scripts: finds a JDK >= 21 and exports JAVA_HOME and PATH so that java and Maven use it.
# Order: $JAVA_HOME, then the java on the PATH, then /usr/lib/jvm/*. Prints one line and returns 1 when none is found.
bnncim_java_major() {
  # prints the feature version of the java binary given, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}
bnncim_find_jdk() {
  local cand home v
  for cand in ${JAVA_HOME:+"$JAVA_HOME"} \
              "$(command -v java >/dev/null 2>&1 && dirname "$(dirname "$(readlink -f "$(command -v java)")")")" \
              /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    v="$(bnncim_java_major "$cand/bin/java")"
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then home="$cand"; break; fi
  done
  if [ -z "${home:-}" ]; then
    echo "bnncim: needs a JDK >= 21 (set JAVA_HOME, or on Debian: apt-get install openjdk-21-jdk-headless, or Temurin 21+)" >&2
    return 1
  fi
  export JAVA_HOME="$home"
  export PATH="$home/bin:$PATH"
  # Maven 3.8's bundled Guava calls sun.misc.Unsafe, which JDK 24+ warns about on every build
  if [ "${v:-0}" -ge 24 ] && [[ "${MAVEN_OPTS:-}" != *sun-misc-unsafe* ]]; then
    export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow"
  fi
}

# For the test scripts (root on Debian): a JDK >= 21 and Maven, installed from Debian's packages when missing.
# Debian 12 has no JDK 21 package, so a failed install falls through to bnncim_find_jdk's one-line hint.
bnncim_ensure_build_tools() {
  if ! bnncim_find_jdk 2>/dev/null; then
    echo "bnncim: installing a JDK >= 21 from Debian's packages" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-21-jdk-headless; } \
      >/dev/null 2>&1 || true
    bnncim_find_jdk || return 1
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    echo "bnncim: installing Maven from Debian's packages" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
  fi
}
