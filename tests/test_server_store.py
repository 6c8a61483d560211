"""The server's SQLite store: what it writes when, and that nothing a caller saw is only in memory."""

import sqlite3

import pytest

from asl_runtime.engine.store import Checkpoint, ExecutionRecord
from asl_runtime.server import store_sqlite
from asl_runtime.server.store_sqlite import SqliteStore

ARN = "arn:aws:states:us-east-1:123456789012:execution:m:e1"
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:m"


def event(i: int) -> dict:
    return {"timestamp": "2026-12-07T12:00:00.000Z", "type": "PassStateEntered", "id": i, "previousEventId": i - 1,
            "stateEnteredEventDetails": {"name": f"S{i}", "input": "{}"}}


def record(status="RUNNING", checkpoint=None, arn=ARN) -> ExecutionRecord:
    return ExecutionRecord(arn=arn, state_machine_arn=MACHINE, name=arn.rsplit(":", 1)[1], status=status,
                           input={"n": 1}, output={"ok": True} if status == "SUCCEEDED" else None,
                           start_date=1.0, stop_date=None if status == "RUNNING" else 2.0, checkpoint=checkpoint)


@pytest.fixture
def db(tmp_path):
    path = str(tmp_path / "asl.db")
    store = SqliteStore(path)
    yield store, lambda sql: sqlite3.connect(path).execute(sql).fetchall()  # a second connection: what is on disk
    store.close()


def test_events_wait_for_the_checkpoint_but_a_reader_sees_them_at_once(db):
    store, on_disk = db
    store.save_execution(record())
    store.append_events(ARN, [event(1), event(2)])
    assert on_disk("SELECT count(*) FROM events") == [(0,)]  # the state in flight: in memory
    assert [e["id"] for e in store.events(ARN)] == [1, 2]  # a reader gets them (and so they are written)
    assert on_disk("SELECT count(*) FROM events") == [(2,)]
    store.append_events(ARN, [event(3)])
    store.save_execution(record(checkpoint=Checkpoint("S4", {}, {}, [event(1), event(2), event(3)])))
    assert on_disk("SELECT id FROM events ORDER BY id") == [(1,), (2,), (3,)]  # before the checkpoint


def test_a_long_state_writes_its_events_every_pending_events(db, monkeypatch):
    store, on_disk = db
    monkeypatch.setattr(store_sqlite, "PENDING_EVENTS", 5)
    monkeypatch.setattr(store_sqlite, "ROWS_PER_INSERT", 2)  # and in statements of two rows
    store.save_execution(record())
    store.append_events(ARN, [event(i) for i in range(1, 5)])
    assert on_disk("SELECT count(*) FROM events") == [(0,)]
    store.append_events(ARN, [event(5)])
    assert on_disk("SELECT id FROM events ORDER BY id") == [(i,) for i in range(1, 6)]


def test_close_writes_what_is_pending(tmp_path):
    path = str(tmp_path / "asl.db")
    store = SqliteStore(path)
    store.save_execution(record())
    store.append_events(ARN, [event(1)])
    store.close()
    assert [e["id"] for e in SqliteStore(path).events(ARN)] == [1]


def test_saving_again_keeps_the_listing_order_and_the_last_checkpoint(db):
    store, _ = db
    first, second = ARN, ARN.replace("e1", "e2")
    store.save_execution(record(arn=first))
    store.save_execution(record(arn=second))
    store.append_events(first, [event(1)])
    store.save_execution(record(arn=first, checkpoint=Checkpoint("S2", {"x": 1}, {"v": 2}, [event(1)])))
    store.save_execution(record("SUCCEEDED", arn=first))
    assert [r.arn for r in store.list_executions()] == [second, first]  # newest first, by first save
    ended = store.get_execution(first)
    assert (ended.status, ended.output, ended.checkpoint) == ("SUCCEEDED", {"ok": True}, None)
    last = store.last_checkpoint(first)  # what RedriveExecution continues from
    assert (last.next_state, last.input, last.variables, last.history) == ("S2", {"x": 1}, {"v": 2}, [event(1)])


def test_reads_answer_the_same_from_the_recent_rows_and_from_the_database(db, monkeypatch):
    store, _ = db
    monkeypatch.setattr(store_sqlite, "RECENT_ROWS", 2)  # the first execution's rows are read from SQLite
    arns = [ARN.replace("e1", f"e{i}") for i in range(3)]
    for i, arn in enumerate(arns):
        store.save_execution(record("SUCCEEDED", arn=arn))
        store.put_meta(arn, {"redriveCount": i})
    assert len(store._recent) == len(store._recent_meta) == 2
    for i, arn in enumerate(arns):
        got = store.get_execution(arn, checkpoint=False)
        assert (got.arn, got.status, got.input, got.output, got.stop_date) == (arn, "SUCCEEDED", {"n": 1},
                                                                                {"ok": True}, 2.0)
        meta = store.meta(arn)
        assert meta == {"redriveCount": i}
        meta["redriveCount"] = 99  # a caller's copy
        assert store.meta(arn) == {"redriveCount": i}
    assert store.meta(ARN.replace("e1", "none")) == {} and store.get_execution(ARN.replace("e1", "none")) is None


def test_a_big_row_is_read_from_sqlite_not_kept_in_memory(db):
    store, _ = db
    store.save_execution(record())
    assert ARN in store._recent
    big = record("SUCCEEDED")
    big.output = {"blob": "x" * (store_sqlite.RECENT_ROW_CHARS + 1)}
    store.save_execution(big)
    assert ARN not in store._recent  # the small RUNNING copy does not answer for it
    got = store.get_execution(ARN)
    assert got.status == "SUCCEEDED" and got.output == big.output


def test_events_that_fail_to_be_written_stay_pending(tmp_path):
    store = SqliteStore(str(tmp_path / "asl.db"))
    store.save_execution(record())
    store.append_events(ARN, [event(1), event(2)])
    real = store._db
    store._db = _Failing(real)
    with pytest.raises(sqlite3.OperationalError):
        store.events(ARN)
    store._db = real
    assert [e["id"] for e in store.events(ARN)] == [1, 2]


class _Failing:
    """A connection whose writes fail, as on a full disk."""

    def __init__(self, real):
        self.real = real

    def execute(self, sql, *args):
        if sql.startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")
        return self.real.execute(sql, *args)
