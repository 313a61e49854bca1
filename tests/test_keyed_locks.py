"""Requirement locks: one per key while in use, none left behind."""

from __future__ import annotations

import threading

from flowhub.pipeline import KeyedLocks


def test_a_key_is_held_by_one_thread_at_a_time_and_other_keys_are_free() -> None:
    locks = KeyedLocks()
    inside, release, entered_b, second_in = threading.Event(), threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with locks.hold(("customer", "a@x.no")):
            inside.set()
            release.wait(5)

    def second() -> None:
        with locks.hold(("customer", "a@x.no")):
            second_in.set()

    def other_key() -> None:
        with locks.hold(("customer", "b@x.no")):
            entered_b.set()

    holder = threading.Thread(target=first)
    holder.start()
    assert inside.wait(5)
    waiter, free = threading.Thread(target=second), threading.Thread(target=other_key)
    waiter.start()
    free.start()
    assert entered_b.wait(5)  # another key is not blocked
    assert not second_in.wait(0.2)  # the same key is
    release.set()
    for thread in (holder, waiter, free):
        thread.join(5)
    assert second_in.is_set()


def test_no_lock_is_kept_for_keys_nobody_holds() -> None:
    locks = KeyedLocks()
    for n in range(1000):
        with locks.hold(("customer", f"buyer{n}@x.no")):
            assert len(locks) == 1
    assert len(locks) == 0
