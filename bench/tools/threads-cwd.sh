#!/bin/bash
# threads.sh, but only the gateway (lib/local/main.ts, or the bundle npm start runs) whose working directory is $2 (default: $PWD)
out=$1; dir=${2:-$PWD}; : > $out
while true; do
  for p in $(pgrep -f "main\.[jt]s --config"); do
    [ "$(readlink /proc/$p/cwd)" = "$dir" ] && pid=$p && break
  done
  [ -n "$pid" ] && break; sleep 0.2
done
while [ -d /proc/$pid ]; do
  snap=""
  for t in /proc/$pid/task/*; do
    s=$(cat $t/stat 2>/dev/null) || continue
    comm=$(cat $t/comm 2>/dev/null)
    rest=${s##*) }; set -- $rest
    snap+="$(basename $t) $comm ${12} ${13}"$'\n'
  done
  echo "$snap" >> $out
  sleep 0.5
done
