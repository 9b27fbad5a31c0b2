#!/bin/sh
# The blog post's job: a countdown, then lift-off. COUNTDOWN_EXIT makes it fail
# with that code, to show that the pod's status is the job's.
for i in 10 9 8 7 6 5 4 3 2 1; do
  echo "$i"
  sleep "${COUNTDOWN_DELAY:-0.1}"
done
echo "And it is a lift off!"
exit "${COUNTDOWN_EXIT:-0}"
