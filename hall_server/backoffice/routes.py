"""Which back office serves which hall's applications.

A deployment names one back office per kind for every hall (the
``HALL_CIVIL_REGISTRY_*`` and ``HALL_PERMITS_*`` settings) and may point
single halls elsewhere (``HALL_BACKOFFICES_FILE``, docs/handoff.md). Each
distinct back office is one :class:`Route`: the outbox rows it serves, and
so its own client, circuit breaker and callback secret. Two back offices may
hand out the same reference (each counts from one), so a callback or a poll
answer is applied only to rows of the route it came through.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_

from hall_server.db.models import OutboxRow


@dataclass(frozen=True, slots=True)
class Route:
    """The outbox rows one back office serves: a kind, for some halls or all the others."""

    #: "civil_registry" or "permits".
    kind: str
    #: The halls served; None serves every hall not in ``others``.
    halls: frozenset[str] | None = None
    #: With ``halls=None``: halls of this kind that other routes serve.
    others: frozenset[str] = frozenset()

    def serves(self, hall_id: str) -> bool:
        if self.halls is not None:
            return hall_id in self.halls
        return hall_id not in self.others

    def where(self) -> ColumnElement[bool]:
        """The SQL condition selecting this route's outbox rows."""
        kind = OutboxRow.backoffice == self.kind
        if self.halls is not None:
            return and_(kind, OutboxRow.hall_id.in_(sorted(self.halls)))
        if self.others:
            return and_(kind, OutboxRow.hall_id.not_in(sorted(self.others)))
        return kind

    @property
    def name(self) -> str:
        """For logs and breaker names: the kind, and the halls when not every hall."""
        if self.halls is None:
            return self.kind
        return f"{self.kind}[{','.join(sorted(self.halls))}]"
