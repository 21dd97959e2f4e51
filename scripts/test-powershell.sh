#!/usr/bin/env bash
# The PowerShell modules' tests, against the real library, `userphoto emulate` and one
# throwaway Samba AD domain controller (scripts/samba-dc.sh) shared by both parts:
#   1. the native layer without PowerShell: NativeMethods.cs checked against
#      include/userphoto.h (check_interop.py), then compiled with Mono's `mcs -langversion:5`
#      (standing in for Windows PowerShell 5.1's compiler) together with
#      tests/interop/Harness.cs and run (status paths, jobs, cancel, UTF-8, the AD password
#      from a SecureString, 10,000 rounds without memory growth);
#   2. the Pester suite (powershell/tests/, run by scripts/run-pester.ps1 under pwsh):
#      syntax (PowerShell's own parser, nothing 5.1 cannot parse), import, every cmdlet
#      and parameter set end to end, prompts, error records, progress, cancellation, the
#      AD doors, the README's examples.
# The DC is stopped and deleted on exit; openssl makes an app certificate (.pfx) for the
# harness's certificate case. Set SKIP_BUILD=1 when the library and binary are already
# built. Without samba or root the Active Directory cases are skipped, loudly, unless
# USERPHOTO_REQUIRE_SAMBA=1 (scripts/test.sh sets it): then that is a failure.
# The DC listens on the fixed ports 389/636, so this must not run at the same time as
# `cargo test --test directory` (it waits up to 5 minutes for the ports to be free).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/check_interop.py
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --locked --lib --bin userphoto
lib="$PWD/target/debug/libuserphoto.so"
[ -f "$lib" ] || { echo "test-powershell: $lib not found; run: cargo build --lib" >&2; exit 1; }

tmp=$(mktemp -d)
# Named like tests/directory.rs's DCs (userphoto-samba-<owner pid>), so that whichever
# runs next stops a DC this script left behind when it was killed.
samba_dir="${TMPDIR:-/tmp}/userphoto-samba-$$"
cleanup() {
  if [ -d "$samba_dir" ]; then bash scripts/samba-dc.sh destroy "$samba_dir" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The .psm1's substitution: the token inside a verbatim C# string, quotes doubled.
python3 - "$lib" powershell/UserPhoto/native/NativeMethods.cs "$tmp/NativeMethods.cs" <<'PY'
import sys
lib, src, dst = sys.argv[1:]
text = open(src, encoding="utf-8").read()
assert "__USERPHOTO_LIBRARY__" in text
open(dst, "w", encoding="utf-8").write(text.replace("__USERPHOTO_LIBRARY__", lib.replace('"', '""')))
PY
mcs -langversion:5 -warnaserror+ -nologo -out:"$tmp/Harness.exe" "$tmp/NativeMethods.cs" tests/interop/Harness.cs

# An app certificate for the .pfx connection case: an RSA key and self-signed certificate,
# exported as PKCS#12 under a random password (handed over in the environment; the harness
# fails if it ever prints it). The certificate's PEM goes into the emulator's app registration.
pfx_password="Pfx-Interop-$(openssl rand -hex 12)"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/app.key" -out "$tmp/app.crt" -days 2 \
  -subj "/CN=userphoto-interop-app" 2>"$tmp/openssl.log" ||
  { echo "test-powershell: openssl req failed:" >&2; cat "$tmp/openssl.log" >&2; exit 1; }
( umask 077; printf '%s' "$pfx_password" >"$tmp/pfx.pw" )
openssl pkcs12 -export -inkey "$tmp/app.key" -in "$tmp/app.crt" -out "$tmp/app.pfx" -passout "file:$tmp/pfx.pw" 2>"$tmp/openssl.log" ||
  { echo "test-powershell: openssl pkcs12 -export failed:" >&2; cat "$tmp/openssl.log" >&2; exit 1; }
# The same with 3DES and a SHA-1 MAC, as .NET Framework writes it (and all Mono can read).
openssl pkcs12 -export -inkey "$tmp/app.key" -in "$tmp/app.crt" -out "$tmp/app-3des.pfx" -passout "file:$tmp/pfx.pw" \
  -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 2>"$tmp/openssl.log" ||
  { echo "test-powershell: openssl pkcs12 -export (3DES) failed:" >&2; cat "$tmp/openssl.log" >&2; exit 1; }
rm -f "$tmp/app.key" "$tmp/pfx.pw"
export USERPHOTO_INTEROP_PFX="$tmp/app.pfx" USERPHOTO_INTEROP_PFX_3DES="$tmp/app-3des.pfx"
export USERPHOTO_INTEROP_PFX_CERT="$tmp/app.crt" USERPHOTO_INTEROP_PFX_PASSWORD="$pfx_password"

# ---- the Samba AD DC ----
skip_ad() {
  if [ "${USERPHOTO_REQUIRE_SAMBA:-0}" = 1 ]; then
    echo "test-powershell: $1 (USERPHOTO_REQUIRE_SAMBA=1, so this is a failure)" >&2
    exit 1
  fi
  echo "test-powershell: WARNING: skipping the Active Directory cases: $1" >&2
  export USERPHOTO_INTEROP_AD=skip
}

start_dc() {
  # DCs of test processes that were killed hold the ports: stop them.
  local d owner
  for d in "${TMPDIR:-/tmp}"/userphoto-samba-*; do
    [ -d "$d" ] || continue
    owner="${d##*-}"
    if [[ "$owner" =~ ^[0-9]+$ ]] && ! kill -0 "$owner" 2>/dev/null; then
      echo "test-powershell: stopping the DC left by process $owner" >&2
      bash scripts/samba-dc.sh destroy "$d" || true
    fi
  done
  local waited=0
  while (exec 3<>/dev/tcp/127.0.0.1/636) 2>/dev/null; do
    [ "$waited" = 0 ] && echo "test-powershell: 127.0.0.1:636 is in use (another DC test?); waiting for it to be free" >&2
    waited=$((waited + 1))
    [ "$waited" -lt 300 ] || { echo "test-powershell: 127.0.0.1:636 has been busy for 5 minutes" >&2; exit 1; }
    sleep 1
  done
  local t0=$SECONDS
  bash scripts/samba-dc.sh start "$samba_dir"
  echo "test-powershell: Samba AD DC started in $((SECONDS - t0)) s" >&2
  eval "$(bash scripts/samba-dc.sh env "$samba_dir")"

  # Test users under OU=Interop, added over LDAPS as the administrator (password from a
  # file, never on a command line). Their passwords are random per run.
  export USERPHOTO_INTEROP_OU="OU=Interop,$USERPHOTO_LDAP_BASE"
  ( umask 077; printf '%s' "$USERPHOTO_LDAP_PASSWORD" >"$tmp/admin.pw" )
  python3 - "$USERPHOTO_LDAP_BASE" "$tmp/limited.hex" >"$tmp/users.ldif" <<'PY'
import base64, secrets, sys
base, hex_file = sys.argv[1:]
ou = "OU=Interop," + base

def b64(s, encoding="utf-8"):
    return base64.b64encode(s.encode(encoding)).decode()

def entry(dn, attrs):
    lines = ["dn:: " + b64(dn)]
    for k, v in attrs:
        lines.append(f"{k}:: {v}" if k == "unicodePwd" else f"{k}:: {b64(v)}")
    return "\n".join(lines) + "\n"

out = [entry(ou, [("objectClass", "top"), ("objectClass", "organizationalUnit")])]
users = [("ip-alice", None), ("ip-bob", None), ("ip-carol", None), ("ip-dave", None), ("ip-erin", None),
         ("zoë.ad", None), ("ip-twin1", "shared.mailbox@corp.example"), ("ip-twin2", "shared.mailbox@corp.example")]
users += [(f"ip-job{i}", None) for i in range(1, 9)]
for name, mail in users:
    attrs = [("objectClass", c) for c in ("top", "person", "organizationalPerson", "user")]
    # userAccountControl 544: an enabled normal account that needs no password.
    attrs += [("sAMAccountName", name[:20]), ("userPrincipalName", name + "@corp.example"), ("userAccountControl", "544")]
    if mail:
        attrs.append(("mail", mail))
    out.append(entry(f"CN={name},{ou}", attrs))
# A bind account without rights on other users' thumbnailPhoto; its password (with a quote,
# a backslash and a non-ASCII letter) also tests the JSON and UTF-8 of the password path.
# Handed to the harness as hex of its UTF-8, so no locale can change it on the way.
pw = 'Lim"it\\ed-Pässw0rd-' + secrets.token_hex(6)
open(hex_file, "w").write(pw.encode("utf-8").hex())
attrs = [("objectClass", c) for c in ("top", "person", "organizationalPerson", "user")]
attrs += [("sAMAccountName", "ip-limited"), ("userPrincipalName", "ip-limited@corp.example"),
          ("unicodePwd", base64.b64encode(('"' + pw + '"').encode("utf-16-le")).decode()),
          ("userAccountControl", "512")]
out.append(entry(f"CN=ip-limited,{ou}", attrs))
print("\n".join(out))
PY
  LDAPTLS_CACERT="$USERPHOTO_LDAP_CA" ldapadd -x -H "$USERPHOTO_LDAP_URL" -D "$USERPHOTO_LDAP_BIND" \
    -y "$tmp/admin.pw" -f "$tmp/users.ldif" >"$tmp/ldapadd.log" 2>&1 ||
    { echo "test-powershell: adding the test users failed:" >&2; cat "$tmp/ldapadd.log" >&2; exit 1; }
  rm -f "$tmp/admin.pw" "$tmp/users.ldif"
  export USERPHOTO_INTEROP_LIMITED_PASSWORD_HEX
  USERPHOTO_INTEROP_LIMITED_PASSWORD_HEX="$(cat "$tmp/limited.hex")"
}

if ! command -v samba >/dev/null || ! command -v ldapadd >/dev/null; then
  skip_ad "samba or ldap-utils is not installed (bash scripts/setup.sh installs them)"
elif [ "$(id -u)" != 0 ]; then
  skip_ad "the Samba DC needs root (fixed ports 389/636)"
else
  start_dc
fi

export PATH="$PATH:$HOME/.dotnet/tools"
command -v pwsh >/dev/null || { echo "test-powershell: pwsh not found (bash scripts/setup.sh installs it)" >&2; exit 1; }

status=0
t0=$SECONDS
mono --debug "$tmp/Harness.exe" "$PWD/target/debug/userphoto" "$PWD/samples" || status=$?
echo "test-powershell: Mono harness $((SECONDS - t0)) s (rc $status)"
t0=$SECONDS
pester=0
pwsh -NoProfile -NonInteractive -File scripts/run-pester.ps1 -Output "${PESTER_OUTPUT:-Detailed}" || pester=$?
echo "test-powershell: Pester $((SECONDS - t0)) s (rc $pester)"
[ "$status" = 0 ] && status=$pester
exit "$status"
