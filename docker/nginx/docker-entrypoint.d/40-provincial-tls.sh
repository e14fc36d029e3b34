#!/bin/sh
# The certificate nginx serves: the operator's, when /etc/nginx/certs holds
# fullchain.pem and privkey.pem (mounted from NGINX_CERTS_DIR), else a
# self-signed one made here so that the portal starts at all. Browsers warn
# about the self-signed one: install a real certificate before going live
# (docs/deploy.md).
set -eu

tls=/etc/nginx/tls
mkdir -p "$tls"
if [ -s /etc/nginx/certs/fullchain.pem ] && [ -s /etc/nginx/certs/privkey.pem ]; then
    ln -sf /etc/nginx/certs/fullchain.pem "$tls/fullchain.pem"
    ln -sf /etc/nginx/certs/privkey.pem "$tls/privkey.pem"
    echo "$0: serving the certificate in /etc/nginx/certs"
else
    if [ ! -s "$tls/selfsigned.key" ]; then
        name=${NGINX_SERVER_NAME%% *}
        [ -n "$name" ] && [ "$name" != "_" ] || name=localhost
        openssl req -x509 -newkey rsa:2048 -nodes -days 90 -subj "/CN=$name" \
            -keyout "$tls/selfsigned.key" -out "$tls/selfsigned.crt" 2>/dev/null
    fi
    ln -sf "$tls/selfsigned.crt" "$tls/fullchain.pem"
    ln -sf "$tls/selfsigned.key" "$tls/privkey.pem"
    echo "$0: WARNING: no certificate in /etc/nginx/certs: serving a self-signed one" >&2
fi
