"""Persistence: typed models, the async engine, migrations and a small repository.

The app factory creates the engine in its lifespan (never at import time)::

    engine = create_engine(settings.resolved_database_url)
    await upgrade(settings.resolved_database_url)
    sessions = make_sessionmaker(engine)
    ...
    await engine.dispose()
"""

from hall_server.db.engine import create_engine, make_sessionmaker
from hall_server.db.models import Account, Base, Hall, HallSession, SignInCode

__all__ = [
    "Account",
    "Base",
    "Hall",
    "HallSession",
    "SignInCode",
    "create_engine",
    "make_sessionmaker",
]
