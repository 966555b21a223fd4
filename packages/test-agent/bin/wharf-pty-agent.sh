#!/bin/sh
# A small CLI agent without ACP, for the PTY transport's tests. It prints coloured progress, asks
# on its terminal whom to greet, and writes greeting.txt in the current directory.
#
# The prompt is its first argument; with no argument it reads the prompt as one line from its
# terminal (an agent configured with the argument `{prompt:stdin}`). Words in the prompt:
#   fail            print an error and exit 3
#   hang:<file>     start a child, write "<own pid> <child pid>" to <file>, and wait for ever
#   leave:<file>    start a child in a session of its own, write its pid to <file>, exit 0
set -u
if [ "$#" -gt 0 ]; then
  prompt="$1"
else
  printf 'Task? '
  IFS= read -r prompt
fi

printf '\033[1;36mpty-agent\033[0m working on: %s\n' "$prompt"
case "$prompt" in
  *fail*)
    printf '\033[1;31merror:\033[0m the model went away\n'
    exit 3
    ;;
  *leave:*)
    # The detached shell writes its own pid, then becomes the sleep (same pid).
    setsid sh -c 'printf "%s\n" "$$" > "$1.tmp" && mv "$1.tmp" "$1" && exec sleep 300' sh "${prompt#*leave:}" > /dev/null 2>&1 < /dev/null &
    while [ ! -s "${prompt#*leave:}" ]; do sleep 0.05; done
    exit 0
    ;;
  *hang:*)
    sleep 300 &
    printf '%s %s\n' "$$" "$!" > "${prompt#*hang:}"
    printf '\033[33mwaiting…\033[0m\n'
    wait
    exit 0
    ;;
esac

printf '\033[33m[1/3]\033[0m read src/app.txt: %s lines\n' "$(wc -l < src/app.txt | tr -d ' ')"
printf '\033[33m[2/3]\033[0m Who should I greet? '
IFS= read -r name
printf '\033[33m[3/3]\033[0m writing greeting.txt for %s (terminal %s)\n' "$name" "$(stty size)"
printf 'hello %s\n' "$name" > greeting.txt
printf '\033[1;32m✓ done\033[0m\n'
