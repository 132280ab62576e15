"""Every document id the upload hands out is one the form accepts back.

The citizen files the id as a form value; ids from ``token_urlsafe`` began
with ``-`` or ``_`` about 3 % of the time and the form refused them
("Rujukan dokumen tidak valid"), failing a real journey now and then.
"""

from __future__ import annotations

from counters.forms import _DOCUMENT
from hall_server.documents_api import new_document_id


def test_ten_thousand_document_ids_all_pass_the_forms_document_rule():
    ids = {new_document_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    assert [i for i in ids if not _DOCUMENT.match(i)] == []
