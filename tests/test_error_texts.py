"""Every error code a client can receive has a text in both languages.

The codes are collected from the source itself (an AST walk of every
package the wheel ships) and from docs/protocol.md's error-code tables, so
a code added anywhere without a text in hall_server/error_texts.py fails
here, by name and with the line that raises it.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from hall_server.error_texts import ERROR_TEXTS, FALLBACK, text_for

ROOT = Path(__file__).resolve().parent.parent

#: The simulated back offices are a separate program standing in for other
#: agencies' systems (``hall-server sim``): their codes answer the hall's
#: hand-off worker, never a person, and are theirs, not the hall's.
NOT_THE_HALL = ("hall_server/sims/",)


# -- Collecting the codes the source raises ------------------------------------------------


def shipped_sources() -> list[Path]:
    """Every module of the packages the wheel ships (pyproject.toml), the sims aside."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    files = [p for pkg in packages for p in sorted((ROOT / pkg).rglob("*.py"))]
    return [p for p in files if not p.relative_to(ROOT).as_posix().startswith(NOT_THE_HALL)]


def _name(node: ast.expr) -> str | None:
    """The last name of ``f``, ``obj.f`` or ``pkg.Class``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _strings(node: ast.expr | None) -> Iterator[str]:
    """The string constants an expression can evaluate to (``"a"``, ``x if c else "b"``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _strings(value)


class CodeWalk:
    """Codes raised in a set of modules, each with where it is raised.

    Five places hold a code: a ``code="..."`` keyword in any call; a
    class-level ``code = "..."`` in a subclass of HallError; a string passed
    by position to a function whose parameter is ``code: str`` (the
    gateway's ``_refuse(ws, close, code, message)``); a key of a dict that
    maps codes to close codes (``{"hall_full": CloseCode.HALL_FULL}``); and
    a ``code=name`` keyword, where ``name`` is followed to the strings
    assigned to it in the function, and from a parameter to its default and
    to the keyword arguments the function's callers pass. A ``code=`` to a
    HallError class that cannot be followed is reported in ``unresolved``.
    """

    def __init__(self, sources: dict[str, str]) -> None:
        self.trees = {where: ast.parse(text) for where, text in sources.items()}
        self.codes: dict[str, set[str]] = defaultdict(set)
        self.unresolved: set[str] = set()
        self.errors = self._hall_error_classes()
        self.code_params = self._functions_with_code_param()
        for where, tree in self.trees.items():
            self._walk(where, tree)

    def _hall_error_classes(self) -> set[str]:
        bases: dict[str, set[str]] = {}
        for tree in self.trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    bases.setdefault(node.name, set()).update(
                        n for b in node.bases if (n := _name(b)) is not None
                    )
        errors = {"HallError"}
        while True:
            more = {c for c, bs in bases.items() if c not in errors and bs & errors}
            if not more:
                return errors
            errors |= more

    def _functions_with_code_param(self) -> dict[str, set[int]]:
        """Function name -> positions of its ``code: str`` parameter (``self`` not counted)."""
        found: dict[str, set[int]] = {}
        for tree in self.trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name in self.errors:
                    continue  # HallError(message, *, code=): keyword-only, handled as such
                body = node.body if isinstance(node, ast.ClassDef | ast.Module) else []
                for fn in body:
                    if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                        continue
                    params = fn.args.posonlyargs + fn.args.args
                    if (
                        isinstance(node, ast.ClassDef)
                        and params
                        and params[0].arg in ("self", "cls")
                    ):
                        params = params[1:]
                    for i, param in enumerate(params):
                        # A str: a close code (CloseCode) or an HTTP status is no error code.
                        text = (
                            isinstance(param.annotation, ast.Name) and param.annotation.id == "str"
                        )
                        if param.arg == "code" and text:
                            found.setdefault(fn.name, set()).add(i)
        return found

    def _add(self, code: str, where: str, node: ast.AST) -> None:
        self.codes[code].add(f"{where}:{getattr(node, 'lineno', 0)}")

    def _walk(self, where: str, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in self.errors:
                for stmt in node.body:
                    targets = (
                        stmt.targets
                        if isinstance(stmt, ast.Assign)
                        else [stmt.target]
                        if isinstance(stmt, ast.AnnAssign)
                        else []
                    )
                    if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                        for code in _strings(stmt.value):  # type: ignore[union-attr]
                            self._add(code, where, stmt)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._walk_function(where, tree, node)
            if (
                isinstance(node, ast.Dict)
                and node.values
                and all(
                    isinstance(v, ast.Attribute)
                    and isinstance(v.value, ast.Name)
                    and v.value.id == "CloseCode"
                    for v in node.values
                )
            ):
                for key in node.keys:
                    for code in _strings(key):
                        self._add(code, where, node)
            if isinstance(node, ast.Call):
                callee = _name(node.func)
                for position in self.code_params.get(callee or "", ()):
                    if len(node.args) > position:
                        for code in _strings(node.args[position]):
                            self._add(code, where, node)
                for kw in node.keywords:
                    if kw.arg == "code":
                        for code in _strings(kw.value):
                            self._add(code, where, node)

    def _walk_function(
        self, where: str, tree: ast.Module, fn: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> None:
        """Follow ``code=name`` keywords of calls to HallError classes inside ``fn``;
        note a ``code=`` whose strings cannot be found."""
        for node in ast.walk(fn):
            if not (isinstance(node, ast.Call) and _name(node.func) in self.errors):
                continue
            for kw in node.keywords:
                if kw.arg != "code":
                    continue
                found = list(_strings(kw.value))
                if isinstance(kw.value, ast.Name):
                    found += self._follow(tree, fn, kw.value.id, set())
                if not found:
                    self.unresolved.add(f"{where}:{node.lineno}")
                for code in found:
                    self._add(code, where, node)

    def _follow(
        self,
        tree: ast.Module,
        fn: ast.FunctionDef | ast.AsyncFunctionDef,
        name: str,
        seen: set[str],
    ) -> Iterator[str]:
        if name in seen:
            return
        seen.add(name)
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets
            ):
                yield from _strings(node.value)
                for inner in ast.walk(node.value):
                    if isinstance(inner, ast.Name):
                        yield from self._follow(tree, fn, inner.id, seen)
        args = fn.args
        params = args.posonlyargs + args.args + args.kwonlyargs
        defaults = [None] * (len(args.posonlyargs + args.args) - len(args.defaults))
        for param, default in zip(
            params, [*defaults, *args.defaults, *args.kw_defaults], strict=True
        ):
            if param.arg != name:
                continue
            if name == "code":
                return  # a HallError's own ``code`` parameter: its callers are walked anyway
            yield from _strings(default)
            for call in ast.walk(tree):
                if isinstance(call, ast.Call) and _name(call.func) == fn.name:
                    for kw in call.keywords:
                        if kw.arg == name:
                            yield from _strings(kw.value)


@pytest.fixture(scope="module")
def raised() -> CodeWalk:
    return CodeWalk(
        {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in shipped_sources()}
    )


def test_the_walk_finds_each_kind_of_place_a_code_is_raised() -> None:
    walk = CodeWalk(
        {
            "errors.py": (
                "class HallError(Exception):\n"
                "    code = 'internal'\n"
                "    def __init__(self, message, *, code=None): ...\n"
                "class Forbidden(HallError):\n"
                "    code = 'forbidden'\n"
                "class Deep(Forbidden):\n"
                "    code: str = 'deep_class'\n"
                "class NotAnError:\n"
                "    code = 'not_an_error'\n"
            ),
            "gate.py": (
                "class Gate:\n"
                "    async def _refuse(self, ws, close: int, code: str, message: str): ...\n"
                "    async def close(self, conn, code: int, reason: str): ...\n"
                "    async def serve(self, ws):\n"
                "        await self._refuse(ws, 4010, 'by_position', 'late')\n"
                "        raise Forbidden('no', code='by_keyword')\n"
                "        await ws.close(4004, 'a close reason')\n"
                "        close = {'by_close_map': CloseCode.HALL_FULL}.get(x, CloseCode.BAD_JOIN)\n"
                "def ask(path, unknown='param_default'):\n"
                "    code = unknown if path else 'by_branch'\n"
                "    raise Forbidden('no', code=code)\n"
                "def caller():\n"
                "    ask('x', unknown='by_caller')\n"
                "def lost(make):\n"
                "    raise Forbidden('no', code=make())\n"
                "def lost_name(make):\n"
                "    c = make()\n"
                "    raise Forbidden('no', code=c)\n"
            ),
        }
    )
    assert set(walk.codes) == {
        "internal",
        "forbidden",
        "deep_class",
        "by_position",
        "by_keyword",
        "param_default",
        "by_branch",
        "by_caller",
        "by_close_map",
    }
    assert walk.codes["by_position"] == {"gate.py:5"}
    assert walk.unresolved == {"gate.py:15", "gate.py:18"}


def test_the_walk_covers_the_hall(raised: CodeWalk) -> None:
    # One code of each kind of place, so an empty or broken walk cannot pass the tests below.
    for code in ("invalid_nik", "unknown_type", "join_timeout", "backoffice_unknown_reference"):
        assert code in raised.codes, code
    assert len(raised.codes) > 60
    assert not raised.unresolved, f"a code= the walk cannot follow: {sorted(raised.unresolved)}"


def test_every_code_the_source_raises_has_a_text(raised: CodeWalk) -> None:
    missing = {
        code: sorted(where) for code, where in raised.codes.items() if code not in ERROR_TEXTS
    }
    assert not missing, "add a text to hall_server/error_texts.py for each of: " + "; ".join(
        f"{code} (raised at {', '.join(where)})" for code, where in sorted(missing.items())
    )


# -- Collecting the codes docs/protocol.md documents ------------------------------------------


def documented_codes(markdown: str) -> dict[str, str]:
    """Backticked words in the first column of every table headed `` `code` ``, with the
    heading of the section each sits in."""
    codes: dict[str, str] = {}
    section, header, in_code_table = "", True, False
    for line in markdown.splitlines():
        if line.startswith("#"):
            section = line.lstrip("# ").strip()
        if not line.startswith("|"):
            header = True
            continue
        first = line.strip().strip("|").split("|")[0].strip()
        if header:
            in_code_table, header = first == "`code`", False
        elif in_code_table and not set(first) <= set("-: "):
            for code in re.findall(r"`([^`]+)`", first):
                codes[code] = section
    return codes


@pytest.fixture(scope="module")
def documented() -> dict[str, str]:
    return documented_codes((ROOT / "docs" / "protocol.md").read_text(encoding="utf-8"))


def test_the_doc_tables_are_read(documented: dict[str, str]) -> None:
    sections = {section.split(" ")[0] for section in documented.values()}
    assert {"8.", "11.4", "13.4"} <= sections, sections
    assert {"bad_json", "staff_only", "unknown_call"} <= set(documented)


def test_every_documented_code_has_a_text(documented: dict[str, str]) -> None:
    missing = sorted(code for code in documented if code not in ERROR_TEXTS)
    assert not missing, "add a text to hall_server/error_texts.py for each of: " + "; ".join(
        f"{code} (docs/protocol.md, {documented[code]})" for code in missing
    )


def test_no_text_is_orphaned(raised: CodeWalk, documented: dict[str, str]) -> None:
    orphans = sorted(set(ERROR_TEXTS) - set(raised.codes) - set(documented))
    assert not orphans, f"texts for codes nothing raises and the protocol does not name: {orphans}"


# -- The texts themselves ---------------------------------------------------------------------

#: Sixteen digits, or any run long enough to be part of one, or a masked NIK (``7471****0001``).
NIK_LIKE = re.compile(r"\d{6,}|\d{2,}\*{2,}\d*")
#: Words that show a text is in the other language (a swapped or copied pair).
ENGLISH = re.compile(r"\b(the|you|your|is|not|please|try)\b", re.IGNORECASE)
INDONESIAN = re.compile(r"\b(Anda|tidak|yang|ini|untuk|silakan|sudah)\b", re.IGNORECASE)


@pytest.mark.parametrize("code", sorted(ERROR_TEXTS))
def test_a_text_is_short_plain_and_in_both_languages(code: str) -> None:
    text = ERROR_TEXTS[code]
    assert re.fullmatch(r"[a-z][a-z_]*[a-z]", code)
    assert set(text) == {"id", "en"}
    for lang in ("id", "en"):
        words = text[lang]  # type: ignore[literal-required]
        assert words.strip() == words and len(words) >= 10, (code, lang)
        assert len(words) <= 200, (code, lang, "keep it short: one or two sentences")
        assert words[0].isupper() and words.endswith("."), (code, lang)
        assert not NIK_LIKE.search(words), (code, lang, "looks like a NIK")
    assert text["id"] != text["en"]
    assert not ENGLISH.search(text["id"]), (code, "English words in the Indonesian text")
    assert not INDONESIAN.search(text["en"]), (code, "Indonesian words in the English text")


def test_the_texts_are_distinct_per_code() -> None:
    for lang in ("id", "en"):
        seen: dict[str, str] = {}
        for code, text in ERROR_TEXTS.items():
            words = text[lang]  # type: ignore[literal-required]
            assert words not in seen, f"{code} and {seen.get(words)} share the {lang} text"
            seen[words] = code


def test_a_code_without_a_text_still_gets_one_and_texts_are_copies() -> None:
    assert text_for("no_such_code_anywhere") == FALLBACK
    given = text_for("bad_json")
    assert given == ERROR_TEXTS["bad_json"]
    given["en"] = "changed"
    assert ERROR_TEXTS["bad_json"]["en"] != "changed"
