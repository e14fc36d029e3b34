"""Link checks: is every resource that is a link still reachable?

``policy`` (pure: which resources are links, what a check result means, how
two broken checks in a row make a link broken), ``checker`` (the HTTP side:
HEAD with a streamed, ranged GET fallback, time-outs, redirects followed one
hop at a time, per-host politeness, a bounded thread pool), ``store`` (the
``provincial_link_check`` table and the queries others read) and ``runner``
(one run: which resources, record the results, reindex the datasets whose
broken links changed). Uploads (``url_type`` ``upload``) are the portal's own
files and are never checked.
"""
