# Shared by the integration scripts that start loopback servers (sourced): each server
# started with serve is stopped when the script exits, and then the scratch directory
# named to servers_trap is removed (kept when DQ_KEEP is set).
server_pids=()
scratch_dir=

# servers_trap DIR: on exit, stop every server, then remove DIR.
servers_trap() {
    scratch_dir="$1"
    trap servers_cleanup EXIT
}

servers_cleanup() {
    local pid
    for pid in "${server_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [ -n "${DQ_KEEP:-}" ] || rm -rf "$scratch_dir"
}

# serve COMMAND...: runs a server in the background until the script exits.
serve() {
    "$@" &
    server_pids+=($!)
}

# wait_port FILE: prints the port a server writes to FILE once it listens.
wait_port() {
    for _ in $(seq 1 100); do
        [ -s "$1" ] && { cat "$1"; return 0; }
        sleep 0.1
    done
    echo "server did not start ($1)" >&2
    return 1
}

# start_http_receiver DIR: tests/servers/http_receiver, with its port file and request
# log in DIR (http.port, http.log).
start_http_receiver() {
    serve "$DQ_SERVERS/http_receiver" --port-file "$1/http.port" --log "$1/http.log"
}

# make_cert DIR: a self-signed certificate for localhost and 127.0.0.1 (DIR/cert.pem,
# DIR/key.pem).
make_cert() {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/key.pem" -out "$1/cert.pem" \
        -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
}
