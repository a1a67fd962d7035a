# Shared helpers for scripts/*: sourced, not run.

# Install the Debian packages the project needs, once, and only those missing.
ensure_packages() {
  local need=() pkg
  for pkg in postgresql libpq-dev libyaml-dev libssl-dev pkgconf curl; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done
  command -v python3 >/dev/null 2>&1 || need+=(python3 python3-venv)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "missing Debian packages: ${need[*]} (run as root or apt-get install them)" >&2
      return 1
    fi
    echo "installing: ${need[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
  fi
  if ! command -v swift >/dev/null 2>&1; then
    [ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
  fi
  command -v swift >/dev/null 2>&1 || { echo "no Swift toolchain on PATH" >&2; return 1; }
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
