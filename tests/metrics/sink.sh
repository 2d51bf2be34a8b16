# shellcheck shell=bash
# One HTTP request on stdin/stdout (run by socat per connection): appends
# "<receive time ms> <body>" to FILE and answers 204 (MODE ok) or 500.
# Usage: sink.sh ok|fail FILE
mode=$1 out=$2 len=0
while IFS= read -r line; do
	line=${line%$'\r'}
	[ -z "$line" ] && break
	case ${line,,} in content-length:*) len=${line#*: } ;; esac
done
body=$(head -c "$len")
printf '%s %s\n' "$(($(date +%s%N) / 1000000))" "$body" >>"$out"
if [ "$mode" = ok ]; then
	printf 'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n'
else
	printf 'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
fi
