"""Health of a worker container: its `ckan provincial worker` is registered in Redis.

RQ registers each worker under the host name of its container and drops the
registration when the worker stops sending heartbeats, so a worker that died
or hung makes this exit 1.
"""
from __future__ import annotations

import os
import socket
import sys


def main() -> int:
    import redis
    import rq

    connection = redis.Redis.from_url(os.environ["CKAN_REDIS_URL"], socket_timeout=5)
    here = socket.gethostname()
    mine = [worker.name for worker in rq.Worker.all(connection=connection) if worker.hostname == here]
    if not mine:
        print(f"no job worker of {here} is registered in Redis", file=sys.stderr)
        return 1
    print(f"job workers of {here}: {', '.join(mine)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
