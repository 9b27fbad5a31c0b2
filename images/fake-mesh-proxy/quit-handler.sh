#!/bin/sh
# One connection to the fake proxy's admin port (nc -e): stdin is the request.
read -r method path _
# Read the headers, so closing the socket does not reset it under the client.
while read -r line; do [ "${line%$(printf '\r')}" = "" ] && break; done
if [ "$method" = POST ] && [ "$path" = /quitquitquit ]; then
  printf 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nOK\n'
  kill -USR1 "$FAKE_MESH_PROXY_PID"
else
  printf 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
fi
