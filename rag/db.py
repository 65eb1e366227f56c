"""The project's embedded SQL database: one SQLite file under RAG_HOME, through SQLAlchemy 2.

Every table hangs on the one declarative `Base` below, in the module of the
feature that owns it (`rag.cache.CachedAnswerRow` today; conversations and
feedback can join as models of their own modules), and `Database` creates the
tables it does not find yet. The file is opened in WAL mode, so several API
worker processes read while one writes, and every connection waits up to
`BUSY_TIMEOUT_S` for a lock instead of failing at once.

    db = Database.open(settings)            # one per process and RAG_HOME
    with db.session() as s, s.begin():      # a transaction
        s.add(Row(...))
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from rag.errors import ConfigError
from rag.settings import Settings

BUSY_TIMEOUT_S = 30
DB_NAME = "rag.db"


class Base(DeclarativeBase):
    """The metadata every table of the project's database belongs to."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; a cache may lose its last rows
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    _open: ClassVar[dict[Path, Database]] = {}
    _open_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.engine: Engine = create_engine(
            f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
        )
        event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.create_tables()

    @classmethod
    def open(cls, settings: Settings) -> Database:
        """The process's database for `settings.home` (opened once, then shared by its threads)."""
        path = (settings.home / DB_NAME).resolve()
        with cls._open_lock:
            db = cls._open.get(path)
            if db is None or not path.exists():
                db = cls._open[path] = cls(path)
            return db

    def create_tables(self) -> None:
        """Create the tables of every imported model that are missing (several workers may race here)."""
        for attempt in range(3):
            try:
                Base.metadata.create_all(self.engine)
                return
            except OperationalError as exc:  # another process created one between check and create
                if "already exists" not in str(exc) or attempt == 2:
                    raise ConfigError(f"cannot prepare the database {self.path}: {exc.orig}") from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session
