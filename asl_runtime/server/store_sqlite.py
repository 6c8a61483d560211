"""The server's database: SQLite (WAL) behind the engine's ExecutionStore protocol.

Every write is committed before the API call that caused it answers, so a `kill -9` loses nothing
that was acknowledged (WAL with synchronous=NORMAL survives a process crash; only a power cut
could drop the last transactions).  One connection is shared under a lock: SQLite serialises
writers anyway, and the lock keeps readers from seeing half of a multi-row write.

The events of the top-level state in flight wait in memory and are written in one statement
just before the checkpoint that ends the state (or as soon as anything reads the execution's
events).  A crash loses only events no caller has seen, of a state a restart runs again anyway
(it truncates the history to the last checkpoint); it spares a statement per event, each of
which also hands the interpreter's lock to another thread.

Besides executions, events and task tokens (the protocol), the same file keeps what only the
API describes: state machines, versions, aliases, activities and map runs (`resources`), tags,
and per-execution facts the engine does not know (`execution_meta`: alias, version, redrives).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict

from ..engine.store import Checkpoint, ExecutionRecord
from ..query.io_jsonpath import to_json

_SCHEMA = """
CREATE TABLE IF NOT EXISTS executions (
    arn TEXT PRIMARY KEY, state_machine_arn TEXT, name TEXT, status TEXT, input TEXT, output TEXT,
    error TEXT, cause TEXT, start_date REAL, stop_date REAL, parent_arn TEXT, map_run_arn TEXT,
    checkpoint TEXT, seq INTEGER, last_checkpoint TEXT);
CREATE INDEX IF NOT EXISTS executions_by_machine ON executions (state_machine_arn, seq);
CREATE INDEX IF NOT EXISTS executions_by_status ON executions (status);
CREATE TABLE IF NOT EXISTS events (arn TEXT, id INTEGER, body TEXT, PRIMARY KEY (arn, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, arn TEXT, state_name TEXT, scope TEXT);
CREATE TABLE IF NOT EXISTS execution_meta (arn TEXT PRIMARY KEY, body TEXT);
CREATE TABLE IF NOT EXISTS resources (arn TEXT PRIMARY KEY, kind TEXT, parent TEXT, body TEXT, seq INTEGER);
CREATE INDEX IF NOT EXISTS resources_by_kind ON resources (kind, parent, seq);
CREATE TABLE IF NOT EXISTS tags (arn TEXT, key TEXT, value TEXT, seq INTEGER, PRIMARY KEY (arn, key));
"""

_MISSING = object()

#: The most events an execution keeps waiting in memory before they are written (see above).
PENDING_EVENTS = 64
#: How many executions' rows (and meta) the store keeps in memory as last written, for reads.
RECENT_ROWS = 1024
#: A row whose texts (input, output, checkpoint, cause) are longer is not kept: 1,024 rows of
#: 256 KiB payloads would be half a gigabyte.
RECENT_ROW_CHARS = 16384
#: Rows per INSERT statement when pending events are written (well under SQLite's 32,766 variables).
ROWS_PER_INSERT = 256

_UPSERT_EXECUTION = (
    "INSERT INTO executions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (arn) DO UPDATE SET "
    "state_machine_arn = excluded.state_machine_arn, name = excluded.name, status = excluded.status, "
    "input = excluded.input, output = excluded.output, error = excluded.error, cause = excluded.cause, "
    "start_date = excluded.start_date, stop_date = excluded.stop_date, parent_arn = excluded.parent_arn, "
    "map_run_arn = excluded.map_run_arn, checkpoint = excluded.checkpoint, "
    # The last checkpoint outlives the run's end: RedriveExecution continues from it.
    "last_checkpoint = coalesce(excluded.last_checkpoint, last_checkpoint)")


def _dump(value, missing_as_null=False):
    return None if value is None and missing_as_null else to_json(value)


class SqliteStore:
    """ExecutionStore on SQLite; `path=None` keeps the database in memory (gone at exit)."""

    copies_on_save = True  # save_execution encodes the record before it returns (engine/store.py)

    def __init__(self, path: str | None = None):
        self.path = path or ":memory:"
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._resources: dict[str, tuple[str, str]] = {}  # arn -> (kind, JSON body): every call reads them
        self._pending: dict[str, list[tuple]] = {}        # arn -> event rows not written yet
        # The rows written last, as they were written: a client polls the execution it just started.
        self._recent: OrderedDict[str, tuple] = OrderedDict()       # arn -> its executions row
        self._recent_meta: OrderedDict[str, str] = OrderedDict()    # arn -> its execution_meta body
        with self._lock:
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._seq = self._db.execute(
                "SELECT max(m) FROM (SELECT max(seq) m FROM executions UNION SELECT max(seq) FROM resources "
                "UNION SELECT max(seq) FROM tags)").fetchone()[0] or 0

    def close(self) -> None:
        with self._lock:
            for arn in list(self._pending):
                self._flush(arn)
            self._db.close()

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # ------------------------------------------------------------------ ExecutionStore
    def save_execution(self, record: ExecutionRecord) -> None:
        checkpoint = None
        if record.checkpoint is not None:
            # The events are in their own table already: a checkpoint keeps only how many it covers,
            # so saving one costs the same at the first state as at the thousandth.
            checkpoint = _dump(record.checkpoint.counted())
        arn = record.arn
        input_text = _dump(record.input)
        output_text = _dump(record.output, missing_as_null=record.status != "SUCCEEDED")
        # The row as SELECT * reads it, less seq and last_checkpoint (which _record does not use).
        row = (arn, record.state_machine_arn, record.name, record.status, input_text, output_text, record.error,
               record.cause, record.start_date, record.stop_date, record.parent_arn, record.map_run_arn, checkpoint)
        with self._lock:
            self._flush(arn)  # the events first: a checkpoint never counts events that are not there
            # The sequence number orders ListExecutions; an update keeps the one the insert took.
            self._db.execute(_UPSERT_EXECUTION, row + (self._next_seq(), checkpoint))
            if sum(len(text) for text in (input_text, output_text, checkpoint, record.cause) if text) <= RECENT_ROW_CHARS:
                _remember(self._recent, arn, row)
            else:  # a big one is read from SQLite (and an older copy must not answer for it)
                self._recent.pop(arn, None)

    def get_execution(self, arn: str, checkpoint: bool = True) -> ExecutionRecord | None:
        """The record; `checkpoint=False` leaves a running one's checkpoint out (None), which spares
        reading its whole history, for callers that only describe it."""
        with self._lock:
            row = self._recent.get(arn) or self._db.execute("SELECT * FROM executions WHERE arn = ?",
                                                            (arn,)).fetchone()
        if row is None:
            return None
        record = _record(row, checkpoint)
        if record.checkpoint is not None:
            record.checkpoint.history = self.events(arn)[:record.checkpoint.history]
        return record

    def list_executions(self, state_machine_arn: str | None = None, status: str | None = None,
                        checkpoint: bool = True) -> list[ExecutionRecord]:
        """Newest first, as ListExecutions orders them (`checkpoint` as for get_execution)."""
        where, args = [], []
        if state_machine_arn is not None:
            where.append("state_machine_arn = ?")
            args.append(state_machine_arn)
        if status is not None:
            where.append("status = ?")
            args.append(status)
        sql = "SELECT * FROM executions" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq DESC"
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        records = [_record(row, checkpoint) for row in rows]
        for record in records:
            if record.checkpoint is not None:  # only running executions have one
                record.checkpoint.history = self.events(record.arn)[:record.checkpoint.history]
        return records

    def append_events(self, arn: str, events: list[dict]) -> None:
        """Kept in memory until the execution's next save or a read of its events (see above)."""
        if not events:
            return
        rows = [(arn, e["id"], _dump(e)) for e in events]
        with self._lock:
            pending = self._pending.setdefault(arn, [])
            pending += rows
            if len(pending) >= PENDING_EVENTS:
                self._flush(arn)

    def _flush(self, arn: str) -> None:
        """Write an execution's pending events (under the lock), one statement per ROWS_PER_INSERT."""
        rows = self._pending.pop(arn, None)
        if not rows:
            return
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start:start + ROWS_PER_INSERT]
            try:
                # One statement is one transaction: all of the chunk or none of it.
                self._db.execute("INSERT OR REPLACE INTO events VALUES " + ",".join(["(?,?,?)"] * len(chunk)),
                                 [value for row in chunk for value in row])
            except BaseException:
                self._pending[arn] = rows[start:]  # not lost: the next save or read tries again
                raise

    def last_checkpoint(self, arn: str) -> Checkpoint | None:
        """The checkpoint of the last top-level state the execution completed, even once it ended."""
        with self._lock:
            row = self._db.execute("SELECT last_checkpoint FROM executions WHERE arn = ?", (arn,)).fetchone()
        checkpoint = _checkpoint(row[0]) if row else None
        if checkpoint is not None:
            checkpoint.history = self.events(arn)[:checkpoint.history]
        return checkpoint

    def truncate_events(self, arn: str, keep: int) -> None:
        """Forget the events after the first `keep` (those of a state that will run again)."""
        with self._lock:
            self._flush(arn)
            self._db.execute("DELETE FROM events WHERE arn = ? AND id > ?", (arn, keep))

    def events(self, arn: str) -> list[dict]:
        with self._lock:
            self._flush(arn)
            rows = self._db.execute("SELECT body FROM events WHERE arn = ? ORDER BY id", (arn,)).fetchall()
        return [json.loads(body) for (body,) in rows]

    #: Called after a token is saved, with (token, arn, state_name, scope): the server re-links the
    #: tokens a restart made stale to the ones the resumed Tasks issue.
    on_token = None

    def save_token(self, token: str, arn: str, state_name: str, scope: tuple) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO tokens VALUES (?,?,?,?)",
                             (token, arn, state_name, _dump(list(scope))))
        if self.on_token is not None:
            self.on_token(token, arn, state_name, scope)

    def delete_tokens(self, arn: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM tokens WHERE arn = ?", (arn,))

    def delete_token(self, token: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM tokens WHERE token = ?", (token,))

    def tokens(self, arn: str | None = None) -> list[dict]:
        with self._lock:
            if arn is None:
                rows = self._db.execute("SELECT * FROM tokens").fetchall()
            else:
                rows = self._db.execute("SELECT * FROM tokens WHERE arn = ?", (arn,)).fetchall()
        return [{"token": t, "arn": a, "state_name": s, "scope": tuple(_scope(json.loads(sc)))} for t, a, s, sc in rows]

    # ------------------------------------------------------------------ what only the API describes
    def put_resource(self, arn: str, kind: str, body: dict, parent: str | None = None) -> None:
        with self._lock:
            row = self._db.execute("SELECT seq FROM resources WHERE arn = ?", (arn,)).fetchone()
            text = _dump(body)
            self._db.execute("INSERT OR REPLACE INTO resources VALUES (?,?,?,?,?)",
                             (arn, kind, parent, text, row[0] if row else self._next_seq()))
            self._resources[arn] = (kind, text)

    def get_resource(self, arn: str, kind: str | None = None) -> dict | None:
        """A fresh copy (callers may change it before putting it back)."""
        row = self._resources.get(arn)
        if row is None:
            with self._lock:
                row = self._db.execute("SELECT kind, body FROM resources WHERE arn = ?", (arn,)).fetchone()
                if row is None:
                    return None
                self._resources[arn] = row = (row[0], row[1])
        if kind is not None and row[0] != kind:
            return None
        return json.loads(row[1])

    def resources(self, kind: str, parent: str | None = _MISSING) -> list[dict]:
        """Oldest first."""
        with self._lock:
            if parent is _MISSING:
                rows = self._db.execute("SELECT body FROM resources WHERE kind = ? ORDER BY seq", (kind,)).fetchall()
            else:
                rows = self._db.execute("SELECT body FROM resources WHERE kind = ? AND parent = ? ORDER BY seq",
                                        (kind, parent)).fetchall()
        return [json.loads(body) for (body,) in rows]

    def delete_resource(self, arn: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM resources WHERE arn = ?", (arn,))
            self._resources.pop(arn, None)
            self._db.execute("DELETE FROM tags WHERE arn = ?", (arn,))

    def set_tags(self, arn: str, tags: dict[str, str]) -> None:
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO tags VALUES (?,?,?,coalesce((SELECT seq FROM tags "
                                 "WHERE arn = ? AND key = ?), ?))",
                                 [(arn, k, v, arn, k, self._next_seq()) for k, v in tags.items()])

    def remove_tags(self, arn: str, keys: list[str]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM tags WHERE arn = ? AND key = ?", [(arn, k) for k in keys])

    def tags(self, arn: str) -> dict[str, str]:
        with self._lock:
            rows = self._db.execute("SELECT key, value FROM tags WHERE arn = ? ORDER BY seq", (arn,)).fetchall()
        return dict(rows)

    def put_meta(self, arn: str, meta: dict) -> None:
        text = _dump(meta)
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO execution_meta VALUES (?,?)", (arn, text))
            _remember(self._recent_meta, arn, text)

    def meta(self, arn: str) -> dict:
        """A fresh copy (callers may change it before putting it back)."""
        with self._lock:
            text = self._recent_meta.get(arn)
            if text is None:
                row = self._db.execute("SELECT body FROM execution_meta WHERE arn = ?", (arn,)).fetchone()
                text = row[0] if row else None
        return json.loads(text) if text is not None else {}


def _remember(recent: OrderedDict, key: str, value) -> None:
    """Keep `value` as the latest of `recent`, which holds at most RECENT_ROWS (under the lock)."""
    recent[key] = value
    recent.move_to_end(key)
    if len(recent) > RECENT_ROWS:
        recent.popitem(last=False)


def _scope(steps):
    return [tuple(step) if isinstance(step, list) else step for step in steps]


def _record(row, with_checkpoint: bool = True) -> ExecutionRecord:
    (arn, sm_arn, name, status, input_, output, error, cause, start, stop, parent, map_run, checkpoint) = row[:13]
    return ExecutionRecord(
        arn=arn, state_machine_arn=sm_arn, name=name, status=status,
        input=json.loads(input_) if input_ is not None else None,
        output=json.loads(output) if output is not None else None, error=error, cause=cause,
        start_date=start, stop_date=stop, parent_arn=parent, map_run_arn=map_run,
        checkpoint=_checkpoint(checkpoint) if with_checkpoint else None)


def _checkpoint(text):
    """The stored checkpoint; its `history` is the count of events it covers until get_execution fills it."""
    if not text:
        return None
    data = json.loads(text)
    count = data.pop("history", 0)
    checkpoint = Checkpoint.from_dict(data)
    checkpoint.history = count
    return checkpoint
