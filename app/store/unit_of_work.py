"""One transaction per use case: repositories share a Session; the UnitOfWork commits once."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from app.store.audit_anchor import AuditAnchor
from app.store.repositories import (
    ArchiveRepository,
    AuditRepository,
    CalendarRepository,
    CaseRepository,
    CatalogRepository,
    ComplaintRepository,
    DocumentRepository,
    EventRepository,
    SealRepository,
    SequenceRepository,
    SettingsRepository,
    UserRepository,
)


class UnitOfWork:
    """``with uow_factory() as uow: ...; uow.commit()`` — leaving without commit rolls back."""

    def __init__(self, session_factory: sessionmaker[Session],
                 anchor: AuditAnchor | None = None) -> None:
        self._session_factory = session_factory
        self.session: Session
        # Where the audit chain's head is kept outside the database (None: nowhere).
        self.anchor = anchor

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        session = self.session
        self.settings = SettingsRepository(session)
        self.sequences = SequenceRepository(session)
        self.catalog = CatalogRepository(session)
        self.users = UserRepository(session)
        self.seals = SealRepository(session)
        self.documents = DocumentRepository(session)
        self.calendar = CalendarRepository(session)
        self.events = EventRepository(session)
        self.cases = CaseRepository(session)
        self.audit = AuditRepository(session)
        self.complaints = ComplaintRepository(session)
        self.archives = ArchiveRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None:
                self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()
        head = self.audit.appended
        if head is not None and self.anchor is not None:
            self.anchor.advance(*head)
            self.audit.appended = None

    def rollback(self) -> None:
        self.session.rollback()
        self.audit.appended = None


class UnitOfWorkFactory:
    """What the services receive: call it to start a unit of work."""

    def __init__(self, session_factory: sessionmaker[Session],
                 anchor: AuditAnchor | None = None) -> None:
        self.session_factory = session_factory
        self.anchor = anchor

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.anchor)
