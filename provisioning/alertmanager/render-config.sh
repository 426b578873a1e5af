#!/bin/sh
# Fills the ${MODELWATCH_...} placeholders of the Alertmanager configuration and its templates
# from the environment (Alertmanager itself reads no environment variables), then runs the
# given command, normally Alertmanager on the rendered copy. POSIX sh and awk only: it runs in
# the prom/alertmanager image (busybox) and on Debian. A placeholder whose variable is unset
# stops it (an empty value is allowed: MODELWATCH_SMTP_USERNAME="" means no SMTP login).
#
#   render-config.sh SOURCE_DIR TARGET_DIR [COMMAND ARGS...]
#   e.g. render-config.sh /etc/alertmanager /tmp/alertmanager \
#          /bin/alertmanager --config.file=/tmp/alertmanager/alertmanager.yml
# Documented in docs/alerting.md ("Notifications to people").
set -eu
if [ $# -lt 2 ]; then
  echo "usage: render-config.sh SOURCE_DIR TARGET_DIR [COMMAND ARGS...]" >&2
  exit 2
fi
src=$1
dst=$2
shift 2

render() {
  awk '
    {
      rest = $0; out = ""
      while (match(rest, /\$\{MODELWATCH_[A-Z0-9_]+\}/)) {
        name = substr(rest, RSTART + 2, RLENGTH - 3)
        if (name in ENVIRON) value = ENVIRON[name]; else { missing[name] = 1; value = "" }
        out = out substr(rest, 1, RSTART - 1) value
        rest = substr(rest, RSTART + RLENGTH)
      }
      print out rest
    }
    END {
      bad = 0
      for (name in missing) { printf "render-config: %s: %s is not set\n", FILENAME, name > "/dev/stderr"; bad = 1 }
      exit bad
    }
  ' "$1" > "$2"
}

mkdir -p "$dst/templates"
render "$src/alertmanager.yml" "$dst/alertmanager.yml"
for template in "$src"/templates/*.tmpl; do
  [ -e "$template" ] || continue
  render "$template" "$dst/templates/${template##*/}"
done
[ $# -eq 0 ] || exec "$@"
