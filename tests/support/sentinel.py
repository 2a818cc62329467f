"""A Redis primary, its replicas and three sentinels, all real processes on free loopback ports.

Quick to fail over (the primary is "down" after ``down_after_ms`` without an answer; two
sentinels must agree), so a test can kill the primary and watch a replica take over within a
few seconds, as a production set-up does within ``down-after-milliseconds`` + an election.

Example::

    with SentinelCluster(tmp_path, replicas=1) as cluster:
        cluster.url                 # "redis+sentinel://127.0.0.1:p1,127.0.0.1:p2,.../0/tandem"
        cluster.hold_replication()  # the replicas fall behind
        old = cluster.kill_primary()                # SIGKILL
        cluster.release_replication()
        new = cluster.wait_for_failover(old)        # the node promoted
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from types import TracebackType

import redis

from tests.support.ports import free_port
from tests.support.redis_server import RedisServer

SERVICE = "tandem"


class Sentinel:
    """One ``redis-server --sentinel`` with a generated config (Sentinel rewrites it)."""

    def __init__(
        self, binary: str, directory: Path, primary_port: int, *, down_after_ms: int
    ) -> None:
        self.binary = binary
        self.port = free_port()
        self.directory = directory / f"sentinel-{self.port}"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.config = self.directory / "sentinel.conf"
        self.config.write_text(
            "\n".join(
                [
                    f"port {self.port}",
                    "bind 127.0.0.1",
                    f"dir {self.directory}",
                    f"sentinel monitor {SERVICE} 127.0.0.1 {primary_port} 2",
                    f"sentinel down-after-milliseconds {SERVICE} {down_after_ms}",
                    f"sentinel failover-timeout {SERVICE} 3000",
                    f"sentinel parallel-syncs {SERVICE} 2",
                    "",
                ]
            )
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.directory / "sentinel.log").open("ab")
        self.process = subprocess.Popen(
            [self.binary, str(self.config), "--sentinel"], stdout=log, stderr=subprocess.STDOUT
        )

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, decode_responses=True, socket_timeout=1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class SentinelCluster:
    def __init__(self, directory: Path, *, replicas: int = 1, down_after_ms: int = 1000) -> None:
        self.directory = Path(directory)
        # AOF as the stack runs it, on every node: what a restarted node keeps is its own.
        # A replica's first sync starts at once (Redis waits 5 s for others to join by default).
        quick = ["--repl-diskless-sync-delay", "0"]
        self.primary = RedisServer(self.directory / "primary", appendonly=True, extra_args=quick)
        self.replicas = [
            RedisServer(
                self.directory / f"replica-{i}",
                appendonly=True,
                extra_args=[*quick, "--replicaof", "127.0.0.1", str(self.primary.port)],
            )
            for i in range(replicas)
        ]
        self.sentinels = [
            Sentinel(
                self.primary.binary, self.directory, self.primary.port, down_after_ms=down_after_ms
            )
            for _ in range(3)
        ]
        self.nodes = [self.primary, *self.replicas]

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/0/{SERVICE}"

    def start(self, timeout: float = 20.0) -> SentinelCluster:
        for node in self.nodes:
            node.start()
        for sentinel in self.sentinels:
            sentinel.start()
        self._until(
            self._ready, timeout, "the sentinels know the primary, the replicas, each other"
        )
        return self

    def _ready(self) -> bool:
        with self.primary.client() as client:
            info = client.info("replication")
        online = [k for k, v in info.items() if k.startswith("slave") and isinstance(v, dict)]
        if len([k for k in online if info[k].get("state") == "online"]) < len(self.replicas):
            return False
        for sentinel in self.sentinels:
            with sentinel.client() as client:
                try:
                    master = client.sentinel_master(SERVICE)
                    known_replicas = client.sentinel_slaves(SERVICE)
                except redis.RedisError:
                    return False
            if int(master["num-other-sentinels"]) < len(self.sentinels) - 1:
                return False
            if len([r for r in known_replicas if "s_down" not in r["flags"]]) < len(self.replicas):
                return False
        return True

    def primary_address(self) -> tuple[str, int] | None:
        """The primary most sentinels name now (None while they disagree)."""
        answers: list[tuple[str, int]] = []
        for sentinel in self.sentinels:
            try:
                with sentinel.client() as client:
                    host, port = client.sentinel_get_master_addr_by_name(SERVICE)
                answers.append((host, int(port)))
            except (redis.RedisError, TypeError):
                continue
        best = max(set(answers), key=answers.count, default=None)
        return best if best is not None and answers.count(best) >= 2 else None

    def hold_replication(self) -> None:
        """Cut the replicas off the primary and keep them off (a partitioned or congested
        link): the primary goes on acknowledging writes that no replica has. A replica given a
        ``masterauth`` the primary does not expect fails every attempt to reconnect."""
        for replica in self.replicas:
            with replica.client() as client:
                client.config_set("masterauth", "held-back-by-the-test")
        with self.primary.client() as client:
            client.client_kill_filter(_type="replica")

    def release_replication(self) -> None:
        """Let the replicas reconnect (to whichever primary they are told to follow)."""
        for replica in self.replicas:
            if replica.process is not None:
                with replica.client() as client:
                    client.config_set("masterauth", "")

    def node(self, port: int) -> RedisServer:
        return next(n for n in self.nodes if n.port == port)

    def kill_primary(self) -> RedisServer:
        """SIGKILL the current primary (no shutdown, no last write); the node killed."""
        address = self.primary_address()
        assert address is not None, "no primary to kill"
        killed = self.node(address[1])
        killed.kill()
        return killed

    def wait_for_failover(self, old: RedisServer, timeout: float = 30.0) -> RedisServer:
        """Until the sentinels name a live primary other than ``old``, and it says it is one."""

        def promoted() -> bool:
            address = self.primary_address()
            if address is None or address[1] == old.port:
                return False
            try:
                with self.node(address[1]).client() as client:
                    return client.info("replication")["role"] == "master"
            except redis.RedisError:
                return False

        self._until(promoted, timeout, "a replica is promoted")
        address = self.primary_address()
        assert address is not None
        return self.node(address[1])

    @staticmethod
    def _until(condition: object, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():  # type: ignore[operator]
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: not after {timeout:g} s")
            time.sleep(0.1)

    def stop(self) -> None:
        for sentinel in self.sentinels:
            sentinel.stop()
        for node in self.nodes:
            node.stop()

    def __enter__(self) -> SentinelCluster:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()
