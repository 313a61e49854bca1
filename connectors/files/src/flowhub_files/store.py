"""One entity file on disk: a key index, consistent snapshots to read, locked batches to write.

The file is the only source of truth. The index (key -> byte offset of the record's last
version) is rebuilt from the file whenever the file was replaced, and extended when it grew,
so a reader never trusts anything the file does not say. Formats (JSONL, CSV) plug in how a
record is parsed and how a batch of changes reaches the disk.
"""

from __future__ import annotations

import contextlib
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from flowhub import ConnectorError

__all__ = ["REMOVED", "Batch", "Index", "Line", "Record", "Snapshot", "Store", "key_text"]

Record = dict[str, Any]
REMOVED = "_removed"  # marks a hard-delete tombstone line in an append-only log

try:  # POSIX: writers of one directory take turns; elsewhere: one writer at a time, by contract
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def key_text(value: Any) -> str:
    """The key as text, the way the index and ``Entity.key_of`` spell it."""
    return str(value)


@dataclass(frozen=True)
class Line:
    """One complete record of a file: where it starts and ends, and its physical line number."""

    offset: int
    end: int
    number: int  # 1-based line the record starts on
    last_number: int  # line it ends on (CSV values may span lines)
    record: Record | None  # None: a blank line or the CSV header


@dataclass
class Index:
    """What is known about one version of the file (device, inode) up to byte ``end``."""

    identity: tuple[int, int] = (0, 0)
    end: int = 0
    mtime_ns: int = -1
    lines: int = 0
    records: int = 0  # complete record lines, old versions included
    offsets: dict[str, int] = field(default_factory=dict)
    max_int: int = 0
    header: list[str] | None = None  # CSV only


class Store(ABC):
    """A file ``<directory>/<entity>.<suffix>``; subclasses know the format."""

    suffix: str

    def __init__(self, path: Path, *, key: str, encoding: str, fsync: bool) -> None:
        self.path, self.key, self.encoding, self.fsync = path, key, encoding, fsync
        self._index = Index()
        self._index_lock = threading.Lock()  # the runner reads and writes from several threads

    # -- format specifics ---------------------------------------------------------------------
    @abstractmethod
    def lines(self, fh: IO[bytes], start: int, number: int, index: Index) -> Iterator[Line]:
        """Complete records from byte ``start`` (line ``number``); stops before a torn tail."""

    @abstractmethod
    def commit(self, fh: IO[bytes], snapshot: Snapshot, staged: Mapping[str, Record | None]) -> None:
        """Make ``staged`` (key -> new version, None = remove) durable, crash-safely."""

    def as_stored(self, record: Record) -> Record:
        """The record as a later read will return it (CSV turns every value into text)."""
        return record

    def needs_compaction(self) -> bool:
        return False

    def compact(self) -> None:  # noqa: B027 - a no-op for formats that never keep old versions
        """Rewrite the file without old versions (formats that keep them)."""

    # -- shared ------------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.is_file()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Snapshot]:
        """A consistent view of the file as it is now; later writes do not leak in."""
        try:
            fh = open(self.path, "rb")  # noqa: SIM115 - closed below, after the caller is done
        except FileNotFoundError:
            yield Snapshot(self, None, Index())
            return
        except OSError as error:
            raise ConnectorError(f"cannot read {self.path}: {error.strerror or error}") from error
        with fh:
            yield Snapshot(self, fh, self.refresh(fh))

    @contextlib.contextmanager
    def writing(self) -> Iterator[Batch]:
        """A batch of changes, committed in one crash-safe step when the block ends cleanly."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _directory_lock(self.path.parent), open(self.path, "a+b") as fh:
                batch = Batch(self, Snapshot(self, fh, self.refresh(fh)))
                yield batch
                if batch.staged:
                    self.commit(fh, batch.snapshot, batch.staged)
        except OSError as error:
            raise ConnectorError(f"cannot write {self.path}: {error.strerror or error}") from error

    def refresh(self, fh: IO[bytes]) -> Index:
        """The index of the open file: rebuilt if it is another file, extended if it grew."""
        with self._index_lock:
            return self._refresh(fh)

    def _refresh(self, fh: IO[bytes]) -> Index:
        st = os.fstat(fh.fileno())
        index = self._index
        replaced = index.identity != (st.st_dev, st.st_ino) or st.st_size < index.end
        rewritten = st.st_size == index.end and st.st_mtime_ns != index.mtime_ns
        if replaced or rewritten:
            index = Index(identity=(st.st_dev, st.st_ino))
        if st.st_size > index.end:
            for line in self.lines(fh, index.end, index.lines + 1, index):
                self._note(index, line)
        index.mtime_ns = st.st_mtime_ns
        self._index = index
        return index

    def _note(self, index: Index, line: Line) -> None:
        index.end, index.lines = line.end, line.last_number
        if line.record is None:
            return
        index.records += 1
        value = line.record.get(self.key)
        if value is None:
            return
        text = key_text(value)
        index.offsets[text] = line.offset
        if text.isdigit():
            index.max_int = max(index.max_int, int(text))

    def sync(self, fh: IO[bytes]) -> None:
        """Push written bytes to the OS, and to the disk when ``fsync`` is on."""
        fh.flush()
        if self.fsync:
            os.fsync(fh.fileno())


class Snapshot:
    """The file as one open handle sees it, up to the indexed end."""

    def __init__(self, store: Store, fh: IO[bytes] | None, index: Index) -> None:
        self.store, self.fh, self.index = store, fh, index

    @property
    def exists(self) -> bool:
        return self.fh is not None

    def current(self) -> Iterator[tuple[int, Record]]:
        """Every record's last version in file order (tombstones left out), streamed."""
        if self.fh is None:
            return
        offsets, end, key = dict(self.index.offsets), self.index.end, self.store.key
        for line in self.store.lines(self.fh, 0, 1, self.index):
            if line.offset >= end:
                break
            record = line.record
            if record is None or record.get(REMOVED):
                continue
            value = record.get(key)
            if value is None or offsets.get(key_text(value)) == line.offset:
                yield line.offset, record

    def load(self, offset: int) -> Record:
        """The record starting at byte ``offset`` (an offset this snapshot handed out)."""
        assert self.fh is not None
        line = next(self.store.lines(self.fh, offset, 0, self.index), None)
        if line is None or line.record is None:
            raise ConnectorError(f"{self.store.path}: no record at byte {offset}; was the file edited?")
        return line.record

    def get(self, key: str) -> Record | None:
        """The last version of ``key``, soft-deleted ones included; None if absent or removed."""
        offset = self.index.offsets.get(key)
        if offset is None or self.fh is None:
            return None
        record = self.load(offset)
        return None if record.get(REMOVED) else record


class Batch:
    """Changes staged under the directory lock; reads see the staged versions first."""

    def __init__(self, store: Store, snapshot: Snapshot) -> None:
        self.store, self.snapshot = store, snapshot
        self.staged: dict[str, Record | None] = {}
        self._next_int = snapshot.index.max_int

    def get(self, key: str) -> Record | None:
        if key in self.staged:
            return self.staged[key]
        return self.snapshot.get(key)

    def put(self, key: str, record: Record) -> None:
        self.staged.pop(key, None)  # keep the order of last change
        self.staged[key] = record
        if key.isdigit():
            self._next_int = max(self._next_int, int(key))

    def remove(self, key: str) -> None:
        if self.get(key) is not None:
            self.staged.pop(key, None)
            self.staged[key] = None

    def next_key(self) -> int:
        """A fresh integer key: one more than the largest integer key seen."""
        self._next_int += 1
        return self._next_int


@contextlib.contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """Writers to one directory take turns (an flock on the directory; POSIX only)."""
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def replace_atomically(path: Path, write: Callable[[IO[bytes]], None], *, durable: bool) -> None:
    """Write a new version of ``path`` beside it, then swap it in with one rename.

    A crash at any point leaves either the old file or the new one, never a mix: the new
    content is fsynced before ``os.replace``, and the directory after it.
    """
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as out:
            write(out)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temp, os.stat(path).st_mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    if durable:
        _fsync_directory(path.parent)


def remove_stale_temps(path: Path) -> None:
    """Temp files left by a killed rewrite: never part of the data, safe to drop under the lock."""
    for temp in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            temp.unlink()


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse; the rename is done anyway
        pass
    finally:
        os.close(fd)
