"""Per-site leases on a real embedded store, used by two "schedulers" (owners)."""

from __future__ import annotations

from pathlib import Path

from crawler.ops.leases import Lease
from crawler.storage.store import Store


def test_one_holder_at_a_time_until_release(tmp_path: Path) -> None:
    db = str(tmp_path / "rasd.db")
    with Store(db) as a, Store(db) as b:
        first, second = Lease(a, "alpha", "host:1"), Lease(b, "alpha", "host:2")
        assert first.acquire()
        assert not second.acquire() and second.holder == "host:1"
        assert Lease(b, "beta", "host:2").acquire()  # other sites are independent
        assert first.renew()
        first.release()
        assert second.acquire()
        assert not first.renew()  # released leases cannot be renewed


def test_an_expired_lease_is_taken_over_and_the_old_holder_learns_it(tmp_path: Path) -> None:
    with Store(str(tmp_path / "rasd.db")) as store:
        dead = Lease(store, "alpha", "crashed:1")
        assert dead.acquire()
        assert store.renew_lease(dead.token, ttl=-1)  # expired a second ago
        taker = Lease(store, "alpha", "host:2")
        assert taker.acquire()
        assert not dead.renew()
        dead.release()  # must not remove the new holder's lease
        assert not Lease(store, "alpha", "host:3").acquire()
