# Sourced by the official image's start_ckan.sh after prerun.py, before uWSGI
# starts. The work runs in its own bash so that any failure stops the start
# (the container exits and its restart policy tries again) instead of serving
# a half-set-up portal.
bash /srv/app/provincial/site_setup.sh || exit 1
