"""The check & train job as every replica sees it: a lease (one job at a time) and its state.

The replica that starts a job takes the lease (a Redis string holding the job's id, with an
expiry) and renews it while the job runs; it publishes the job's state (the JSON the page
shows) as the job goes. Any replica reads both: the page shows the same progress whichever
replica serves it, and a second job is refused everywhere while the lease is held. A replica
that dies mid-job stops renewing: its lease runs out and the next job may start (the state it
left says "running" with nobody holding the lease; ``services.train_job`` reports it failed).

Example::

    board = JobBoard(redis, keys, lease=30.0)
    if await board.claim("j1"):
        await board.publish({"id": "j1", "status": "running", ...})
        await board.renew("j1")        # every few seconds while it runs
        await board.release("j1")
    view, holder = await board.read()  # the latest job, and the id holding the lease (or None)
"""

from __future__ import annotations

import json
from typing import Any

from handoff.store.keys import Keys
from handoff.store.scripts import JOB_LEASE

LEASE = 30.0  # seconds; renewed every few seconds while the job runs
KEPT = 7 * 86400  # the last job's state stays readable this long


class JobBoard:
    """The job's lease and state on Redis (see the module's doc)."""

    def __init__(self, redis: Any, keys: Keys, *, lease: float = LEASE) -> None:
        self.redis = redis
        self.keys = keys
        self.lease = lease
        self._lease = redis.register_script(JOB_LEASE)

    async def claim(self, job_id: str) -> bool:
        """Take the lease for ``job_id``; False while another job holds it."""
        key, ms = self.keys.train_job_lease, int(self.lease * 1000)
        return bool(await self.redis.set(key, job_id, nx=True, px=ms))

    async def renew(self, job_id: str) -> bool:
        """Extend the lease; False when ``job_id`` no longer holds it."""
        args = [job_id, int(self.lease * 1000)]
        return bool(await self._lease(keys=[self.keys.train_job_lease], args=args))

    async def release(self, job_id: str) -> None:
        await self._lease(keys=[self.keys.train_job_lease], args=[job_id, ""])

    async def publish(self, view: dict[str, Any]) -> None:
        text = json.dumps(view, separators=(",", ":"))
        await self.redis.set(self.keys.train_job, text, ex=KEPT)

    async def read(self) -> tuple[dict[str, Any] | None, str | None]:
        """The latest job's state (None: none yet), and the job id holding the lease."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(self.keys.train_job)
            pipe.get(self.keys.train_job_lease)
            state, holder = await pipe.execute()
        view: dict[str, Any] | None = json.loads(state) if state else None
        if isinstance(holder, bytes):
            holder = holder.decode()
        return view, (str(holder) if holder else None)
