#!/usr/bin/env bash
# A throwaway Samba Active Directory domain controller on 127.0.0.1 for the directory tests.
#
#   scripts/samba-dc.sh start [DIR]    provision into DIR (once), make a test CA and a server
#                                      certificate with SAN IP:127.0.0.1 + DNS:localhost, start
#                                      samba in its own process group, wait until LDAPS answers
#   scripts/samba-dc.sh stop [DIR]     stop it (TERM, then KILL, by process group)
#   scripts/samba-dc.sh env [DIR]      print the connection as shell `export` lines
#   scripts/samba-dc.sh destroy [DIR]  stop and delete DIR
#
# DIR defaults to $USERPHOTO_SAMBA_DIR or /tmp/userphoto-samba. Needs root (fixed ports
# 389/636) and the packages samba-ad-dc samba-ad-provision ldap-utils openssl. Only one DC
# can listen on 127.0.0.1 at a time, so tests that use it run one after another.
# The administrator password is a test value: this DC holds nothing but test users.
set -euo pipefail

cmd="${1:-}"
dir="${2:-${USERPHOTO_SAMBA_DIR:-/tmp/userphoto-samba}}"
realm="CORP.EXAMPLE"
domain="CORP"
base="DC=corp,DC=example"
admin_pass="${USERPHOTO_SAMBA_ADMIN_PASSWORD:-Adm1n-Samba-Test!}"

log() { echo "samba-dc: $*" >&2; }

pid_alive() { [ -f "$dir/samba.pid" ] && kill -0 "$(cat "$dir/samba.pid")" 2>/dev/null; }

stop() {
  [ -f "$dir/samba.pid" ] || return 0
  local pid
  pid="$(cat "$dir/samba.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    # setsid made samba a group leader: its pgid is its pid, and every child is in the group.
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 -- "-$pid" 2>/dev/null; then
      log "samba did not stop on TERM; killing process group $pid"
      kill -KILL -- "-$pid" 2>/dev/null || true
      sleep 0.2
    fi
  fi
  rm -f "$dir/samba.pid"
}

make_certs() {
  local t="$dir/tls"
  mkdir -p "$t"
  (
    cd "$t"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=UserPhoto Test CA" \
      -keyout ca.key -out ca.pem \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=dc1.corp.example" -keyout key.pem -out server.csr 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:dc1.corp.example" >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
      -extfile server.ext -out cert.pem 2>/dev/null
    # A CA that did not sign the server's certificate (for the "wrong CA" test).
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=UserPhoto Other CA" \
      -keyout other-ca.key -out other-ca.pem 2>/dev/null
    chmod 600 key.pem ca.key other-ca.key
    chmod 644 ca.pem cert.pem other-ca.pem
  )
}

provision() {
  rm -rf "$dir"
  mkdir -p "$dir/run" "$dir/run/winbindd" "$dir/run/ntp_signd"
  : >"$dir/empty.conf" # otherwise /etc/samba/smb.conf's shares and paths leak in
  samba-tool domain provision -s "$dir/empty.conf" --targetdir="$dir" \
    --realm="$realm" --domain="$domain" --adminpass="$admin_pass" \
    --server-role=dc --dns-backend=NONE --host-name=dc1 \
    --option="interfaces=127.0.0.1" --option="bind interfaces only=yes" \
    --option="server services=ldap" \
    --option="log file=$dir/log.samba" --option="pid directory=$dir/run" \
    --option="winbindd socket directory=$dir/run/winbindd" \
    --option="ntp signd socket directory=$dir/run/ntp_signd" >"$dir/provision.log" 2>&1 ||
    { log "provision failed:"; tail -20 "$dir/provision.log" >&2; return 1; }
  make_certs
  # `ldap server require strong auth = no` lets the tests bind over plain LDAP on loopback
  # (it is dropped when given as --option, so it goes in with the TLS settings).
  sed -i "/^\[global\]/a\\
\ttls enabled = yes\\
\ttls keyfile = $dir/tls/key.pem\\
\ttls certfile = $dir/tls/cert.pem\\
\ttls cafile = $dir/tls/ca.pem\\
\tldap server require strong auth = no" "$dir/etc/smb.conf"
}

ready() {
  LDAPTLS_CACERT="$dir/tls/ca.pem" ldapsearch -x -H ldaps://127.0.0.1 -s base -b "" \
    -o nettimeout=2 defaultNamingContext >/dev/null 2>&1
}

start() {
  command -v samba >/dev/null || { log "samba is not installed (apt-get install samba-ad-dc samba-ad-provision ldap-utils)"; exit 3; }
  [ "$(id -u)" = 0 ] || { log "needs root (ports 389/636)"; exit 3; }
  if pid_alive; then
    log "already running (pid $(cat "$dir/samba.pid"))"
    return 0
  fi
  if [ ! -f "$dir/etc/smb.conf" ] || [ ! -f "$dir/tls/cert.pem" ]; then
    provision
  fi
  mkdir -p "$dir/run"
  setsid samba --foreground --no-process-group -s "$dir/etc/smb.conf" \
    </dev/null >>"$dir/samba.stdout" 2>&1 &
  echo $! >"$dir/samba.pid"
  # From here on a failure must not leave samba behind.
  trap 'stop' ERR
  for _ in $(seq 1 150); do
    if ready; then
      trap - ERR
      return 0
    fi
    if ! pid_alive; then
      log "samba exited during start-up:"
      tail -20 "$dir/samba.stdout" >&2 || true
      rm -f "$dir/samba.pid"
      exit 1
    fi
    sleep 0.1
  done
  log "samba did not answer on ldaps://127.0.0.1 within 15 s"
  stop
  exit 1
}

env_lines() {
  cat <<EOF
export USERPHOTO_SAMBA_DIR='$dir'
export USERPHOTO_SAMBA_CONF='$dir/etc/smb.conf'
export USERPHOTO_LDAP_URL='ldaps://127.0.0.1'
export USERPHOTO_LDAP_CA='$dir/tls/ca.pem'
export USERPHOTO_LDAP_OTHER_CA='$dir/tls/other-ca.pem'
export USERPHOTO_LDAP_BIND='Administrator@${realm,,}'
export USERPHOTO_LDAP_PASSWORD='$admin_pass'
export USERPHOTO_LDAP_BASE='$base'
EOF
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  env) env_lines ;;
  destroy) stop; rm -rf "$dir" ;;
  *) echo "usage: $0 start|stop|env|destroy [DIR]" >&2; exit 2 ;;
esac
