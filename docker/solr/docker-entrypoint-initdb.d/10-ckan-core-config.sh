# Sourced by the solr image's run-initdb (bash, set -e) before Solr starts.
#
# `solr-precreate` copies the configset into the data volume only when the core
# does not exist yet, so a new image with a changed schema would keep serving
# the old one. Copy the image's files over the core's conf/ on every start: the
# schema is part of the release, never edited in the volume.
ckan_core_conf=/var/solr/data/ckan/conf
if [ -d "$ckan_core_conf" ]; then
    ckan_conf_changed=
    while IFS= read -r ckan_conf_file; do
        if ! cmp -s "$CKAN_CONFIGSET/conf/$ckan_conf_file" "$ckan_core_conf/$ckan_conf_file"; then
            mkdir -p "$(dirname "$ckan_core_conf/$ckan_conf_file")"
            cp -f "$CKAN_CONFIGSET/conf/$ckan_conf_file" "$ckan_core_conf/$ckan_conf_file"
            ckan_conf_changed="$ckan_conf_changed $ckan_conf_file"
        fi
    done < <(cd "$CKAN_CONFIGSET/conf" && find . -type f | sed 's|^\./||' | sort)
    if [ -n "$ckan_conf_changed" ]; then
        echo "ckan core: configuration updated from the image:$ckan_conf_changed"
        echo "ckan core: after a schema change, rebuild the index: ckan search-index rebuild (docs/deploy.md)"
    fi
    unset ckan_conf_changed ckan_conf_file
fi
unset ckan_core_conf
