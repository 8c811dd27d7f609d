#!/bin/sh
# Sends one PagerDuty Events API v2 event to corral's /v1/ingest/pagerduty, the way a tool with a
# PagerDuty integration would: for scripts, cron jobs and monitoring notification commands (Nagios,
# Icinga, Zabbix media scripts) that have no webhook of their own. Needs only sh and curl (7.55+).
#
#   pagerduty-sender.sh trigger --dedup-key KEY --summary TEXT --source HOST [--severity critical|error|warning|info]
#                               [--system S] [--facility F] [--department D] [--component C] [--group G] [--class C]
#   pagerduty-sender.sh resolve --dedup-key KEY
#   pagerduty-sender.sh acknowledge --dedup-key KEY
#
# Environment:
#   CORRAL_URL              default http://127.0.0.1:8080
#   CORRAL_INGEST_KEY_FILE  a file holding an ingest key (npm run corral -- keys create --role ingest),
#   or CORRAL_INGEST_KEY    the key itself. It goes to curl on stdin, never on a command line `ps` shows.
#   PAGERDUTY_ROUTING_KEY   any fixed string naming this sender (32 characters, as PagerDuty's are, if
#                           you like). corral scopes dedup keys per routing key, so a resolve must
#                           carry the routing key its trigger had.
#
# The same --dedup-key ties a resolve to its trigger; a trigger sent again with it is a repeat.
# --system names the system corral correlates on (else --component, --group, --source), --class
# the error signature; --facility and --department place it.
#
# Exit status: 0 accepted (corral's answer on stdout); 2 the event is invalid (400/413: sending it
# again will not help, the reason is on stderr); 3 the key is missing or refused (401/403); 1
# anything else after curl's retries (connection refused, timeouts, 429, 5xx): try again later.
set -eu

usage() { sed -n '6,9p' "$0" | sed 's/^# //' >&2; exit 2; }

# A JSON string body: tabs and line breaks become spaces, other control characters go, and
# backslashes and quotes are escaped. Bytes of UTF-8 text pass unchanged.
json_string() {
  printf '%s' "$1" | tr '\t\r\n' '   ' | tr -d '\000-\037\177' | sed 's/\\/\\\\/g; s/"/\\"/g'
}

[ $# -ge 1 ] || usage
action=$1
shift
case $action in trigger | resolve | acknowledge) ;; *) usage ;; esac

dedup_key='' summary='' source='' severity='error' details='' extras=''
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  value=$(json_string "$2")
  case $1 in
    --dedup-key) dedup_key=$value ;;
    --summary) summary=$value ;;
    --source) source=$value ;;
    --severity) severity=$value ;;
    --system | --facility | --department) details="$details,\"${1#--}\":\"$value\"" ;;
    --component | --group | --class) extras="$extras,\"${1#--}\":\"$value\"" ;;
    *) usage ;;
  esac
  shift 2
done

: "${PAGERDUTY_ROUTING_KEY:?set PAGERDUTY_ROUTING_KEY, the name of this sender}"
routing_key=$(json_string "$PAGERDUTY_ROUTING_KEY")
if [ -n "${CORRAL_INGEST_KEY_FILE:-}" ]; then
  key=$(tr -d ' \t\r\n' <"$CORRAL_INGEST_KEY_FILE")
else
  key=${CORRAL_INGEST_KEY:-}
fi
[ -n "$key" ] || { echo "pagerduty-sender: set CORRAL_INGEST_KEY_FILE or CORRAL_INGEST_KEY" >&2; exit 3; }
[ -n "$dedup_key" ] || { echo "pagerduty-sender: --dedup-key is required" >&2; exit 2; }

if [ "$action" = trigger ]; then
  [ -n "$summary" ] && [ -n "$source" ] || { echo "pagerduty-sender: a trigger needs --summary and --source" >&2; exit 2; }
  timestamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  payload=",\"payload\":{\"summary\":\"$summary\",\"source\":\"$source\",\"severity\":\"$severity\",\"timestamp\":\"$timestamp\"$extras,\"custom_details\":{${details#,}}}"
else
  payload=''
fi
body="{\"routing_key\":\"$routing_key\",\"event_action\":\"$action\",\"dedup_key\":\"$dedup_key\"$payload}"

answer=$(mktemp)
trap 'rm -f "$answer"' EXIT
# curl retries what PagerDuty says to retry (429, 5xx, timeouts, a refused connection), never a 4xx.
status=$(printf 'Authorization: Bearer %s\n' "$key" | curl --silent --show-error --max-time 20 \
  --retry 4 --retry-connrefused --retry-max-time 60 \
  -H @- -H 'Content-Type: application/json' --data-binary "$body" \
  -o "$answer" -w '%{http_code}' "${CORRAL_URL:-http://127.0.0.1:8080}/v1/ingest/pagerduty") || status=000

case $status in
  2??) cat "$answer"; echo; exit 0 ;;
  400 | 413) echo "pagerduty-sender: corral refused the event ($status): $(cat "$answer")" >&2; exit 2 ;;
  401 | 403) echo "pagerduty-sender: corral refused the key ($status); check CORRAL_INGEST_KEY(_FILE)" >&2; exit 3 ;;
  *) echo "pagerduty-sender: not delivered ($status): $(cat "$answer" 2>/dev/null)" >&2; exit 1 ;;
esac
