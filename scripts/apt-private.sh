# SPDX-License-Identifier: GPL-2.0-or-later
#
# A private apt state under the cache directory, so that we can fetch
# source packages and arm64 binaries from Debian's stable release and its
# backports without touching the system's apt configuration.  The mirror
# URI is read from the machine's own apt sources at run time.
#
# The suites are named by codename (trixie, trixie-backports), resolved
# from the "stable" alias's Release file: a mirror may update the alias
# indexes later than the codename's, and a user of a current Debian gets
# what the codename has.
#
# Source this file; it defines:
#   SMMUV3_AUX_CACHE   cache root (default ~/.cache/smmuv3-aux)
#   apt_private_init   create/refresh the private state (at most once a day)
#   apt_suite stable|backports   the suite name to match in apt-cache output
#   apt_private <apt-get args...>
#   apt_cache_private <apt-cache args...>
#   apt_mirror         print the Debian mirror URI

SMMUV3_AUX_CACHE=${SMMUV3_AUX_CACHE:-$HOME/.cache/smmuv3-aux}
# by-codename/: checkouts from before the codename resolution keep their
# stable-alias lists in apt/ itself; sharing one state, each would find
# the other's sources.list and package lists under its own suite names.
APT_PRIVATE_DIR=$SMMUV3_AUX_CACHE/apt/by-codename

apt_mirror() {
    local uri=""
    # deb822 sources first (Debian 12 default), then one-line sources.
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        uri=$(awk '
            /^URIs:/ { u = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++)
                           if ($i !~ /security/ && u !~ /security/) s = 1 }
            /^$/ { if (s && u != "") { print u; exit } u = ""; s = 0 }
            END { if (s && u != "") print u }' "$f" | head -n 1)
        [ -n "$uri" ] && break
    done
    if [ -z "$uri" ]; then
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
              awk '$1 == "deb" && $0 !~ /security/ {
                       for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }')
    fi
    if [ -z "$uri" ]; then
        echo "error: cannot find a Debian mirror in /etc/apt/sources*" >&2
        return 1
    fi
    echo "${uri%/}"
}

_apt_private_opts() {
    echo "-o Dir::State=$APT_PRIVATE_DIR/state" \
         "-o Dir::Cache=$APT_PRIVATE_DIR/cache" \
         "-o Dir::Etc::SourceList=$APT_PRIVATE_DIR/sources.list" \
         "-o Dir::Etc::SourceParts=$APT_PRIVATE_DIR/sources.list.d" \
         "-o Dir::Etc::Preferences=$APT_PRIVATE_DIR/preferences" \
         "-o Dir::Etc::PreferencesParts=$APT_PRIVATE_DIR/preferences.d" \
         "-o Dir::State::status=$APT_PRIVATE_DIR/status" \
         "-o APT::Architecture=arm64" \
         "-o APT::Architectures::=arm64" \
         "-o APT::Sandbox::User=root" \
         "-o Debug::NoLocking=1"
}

# The codename of stable, from the alias's Release file (one small
# download), remembered next to the lists.
_apt_stable_release() {
    ls "$APT_PRIVATE_DIR"/state/lists/*_dists_stable_InRelease \
       "$APT_PRIVATE_DIR"/state/lists/*_dists_stable_Release 2>/dev/null | head -n 1
}

_apt_resolve_codename() {
    local mirror=$1 rel code
    rel=$(_apt_stable_release)
    if [ -z "$rel" ]; then
        printf 'deb %s stable main\n' "$mirror" >"$APT_PRIVATE_DIR/sources.list"
        # shellcheck disable=SC2046
        apt-get -q $(_apt_private_opts) update >"$APT_PRIVATE_DIR/update.log" 2>&1 ||
            { cat "$APT_PRIVATE_DIR/update.log" >&2; return 1; }
        rel=$(_apt_stable_release)
    fi
    code=$(awk '/^Codename:/ { print $2; exit }' "$rel" 2>/dev/null)
    if [ -z "$code" ]; then
        echo "error: no Codename in the stable Release file" >&2
        return 1
    fi
    echo "$code" >"$APT_PRIVATE_DIR/codename"
}

apt_suite() {
    local code
    code=$(cat "$APT_PRIVATE_DIR/codename" 2>/dev/null) || code=stable
    case "$1" in
    stable) echo "$code" ;;
    backports) echo "$code-backports" ;;
    *) echo "apt_suite: stable|backports" >&2; return 2 ;;
    esac
}

apt_private_init() {
    local mirror stamp code
    mirror=$(apt_mirror) || return 1
    mkdir -p "$APT_PRIVATE_DIR"/state/lists/partial \
             "$APT_PRIVATE_DIR"/cache/archives/partial \
             "$APT_PRIVATE_DIR"/sources.list.d \
             "$APT_PRIVATE_DIR"/preferences.d
    : >"$APT_PRIVATE_DIR/status"
    : >"$APT_PRIVATE_DIR/preferences"
    stamp=$APT_PRIVATE_DIR/state/updated
    # Fresh, and the lists are those of the codename's suites.
    if [ -f "$APT_PRIVATE_DIR/codename" ] &&
       [ -n "$(find "$stamp" -mmin -1440 2>/dev/null)" ] &&
       grep -qs " $(apt_suite backports) " "$APT_PRIVATE_DIR/sources.list"; then
        return 0
    fi
    # Once a day the alias's Release is read again, for a new codename.
    rm -f "$APT_PRIVATE_DIR"/state/lists/*_dists_stable_InRelease \
          "$APT_PRIVATE_DIR"/state/lists/*_dists_stable_Release
    _apt_resolve_codename "$mirror" || return 1
    code=$(apt_suite stable)
    {
        echo "deb $mirror $code main"
        echo "deb-src $mirror $code main"
        echo "deb $mirror $code-backports main"
        echo "deb-src $mirror $code-backports main"
    } >"$APT_PRIVATE_DIR/sources.list"
    echo "  APT    refreshing private package lists ($code, $code-backports)" >&2
    # shellcheck disable=SC2046
    apt-get -q $(_apt_private_opts) update >"$APT_PRIVATE_DIR/update.log" 2>&1 || {
        cat "$APT_PRIVATE_DIR/update.log" >&2
        return 1
    }
    touch "$stamp"
}

apt_private() {
    # shellcheck disable=SC2046
    apt-get -q $(_apt_private_opts) "$@"
}

apt_cache_private() {
    # shellcheck disable=SC2046
    apt-cache $(_apt_private_opts) "$@"
}

# Newest version of a binary package name matching a regex, e.g.
#   apt_newest_pkg '^linux-image-[0-9.]+-[0-9]+-arm64$'
apt_newest_pkg() {
    local re=$1
    apt_cache_private pkgnames 2>/dev/null | grep -E "$re" | sort -V | tail -n 1
}
