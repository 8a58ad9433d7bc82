"""`derivations.check.cache`: a file checked before is read back, never a check whose time ran out."""

from __future__ import annotations

from pathlib import Path

import pytest

from derivations.check import cache, check_document
from derivations.check.chain import Checker
from derivations.errors import ProofTimeout
from derivations.notation.document import read_string

TEXT = "$$\\sigma(-x) = 1 - \\sigma(x)$$\n\n$$\\sigma(x) = \\sigma(x)(1 - \\sigma(x))$$\n"


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A fresh cache folder, and a count of the checks that really ran."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DERIVATIONS_CACHE", raising=False)
    count: list[int] = []
    real = Checker.run

    def counted(self: Checker):  # type: ignore[no-untyped-def]
        count.append(1)
        return real(self)

    monkeypatch.setattr(Checker, "run", counted)
    return count


def test_a_document_checked_before_is_read_back_with_the_same_verdicts(runs: list[int]) -> None:
    doc = read_string(TEXT, "hw.md")
    first = check_document(doc, cache=True)
    again = check_document(read_string(TEXT, "hw.md"), cache=True)
    assert len(runs) == 1
    assert again.to_json() == first.to_json() == check_document(doc).to_json()
    assert [s.verdict.value for s in again.steps] == ["proved", "wrong"]


def test_another_text_time_limit_or_identity_is_checked_afresh(runs: list[int]) -> None:
    check_document(read_string(TEXT, "hw.md"), cache=True)
    check_document(read_string(TEXT.replace("1 - \\sigma(x))", "1 + \\sigma(x))"), "hw.md"), cache=True)
    check_document(read_string(TEXT, "hw.md"), seconds=7, cache=True)
    check_document(read_string(TEXT, "hw.md"), against=("sigmoid-reflection", ("\\sigma(-x) = 1 - \\sigma(x)",)),
                   cache=True)  # fmt: skip
    check_document(read_string(TEXT, "other.md"), cache=True)
    assert len(runs) == 5


def test_a_check_during_which_a_time_limit_ran_out_is_not_kept(runs: list[int], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real = Checker.run

    def timing_out(self: Checker):  # type: ignore[no-untyped-def]
        try:
            raise ProofTimeout("a proof method ran out of its budget")
        except ProofTimeout:
            pass
        return real(self)

    monkeypatch.setattr(Checker, "run", timing_out)
    check_document(read_string(TEXT, "hw.md"), cache=True)
    assert cache.load(cache.key_of(read_string(TEXT, "hw.md"), 5.0, None)) is None


def test_a_damaged_cache_file_is_checked_afresh(runs: list[int]) -> None:
    doc = read_string(TEXT, "hw.md")
    check_document(doc, cache=True)
    stored = cache._path(cache.key_of(doc, 5.0, None))
    stored.write_bytes(stored.read_bytes()[:40])
    assert [s.verdict.value for s in check_document(doc, cache=True).steps] == ["proved", "wrong"]
    assert len(runs) == 2


def test_derivations_cache_0_turns_it_off(runs: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DERIVATIONS_CACHE", "0")
    for _ in range(2):
        check_document(read_string(TEXT, "hw.md"), cache=True)
    assert len(runs) == 2


def test_the_code_digest_changes_with_any_source_file(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.py").write_text("y = 2\n")
    before = cache.code_digest.__wrapped__(tmp_path)
    (tmp_path / "sub" / "b.py").write_text("y = 3\n")
    assert cache.code_digest.__wrapped__(tmp_path) != before


def test_check_no_cache_checks_afresh(runs: list[int], tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from derivations.cli import main

    note = tmp_path / "hw.md"
    note.write_text(TEXT, encoding="utf-8")
    assert main(["check", str(note), "--quiet"]) == 1
    assert main(["check", str(note), "--quiet"]) == 1
    assert len(runs) == 1
    assert main(["check", str(note), "--quiet", "--no-cache"]) == 1
    assert len(runs) == 2
    assert capsys.readouterr().out.count("wrong at line 3") == 3


def test_a_cache_file_someone_else_could_have_written_is_not_read(runs: list[int]) -> None:
    doc = read_string(TEXT, "hw.md")
    check_document(doc, cache=True)
    stored = cache._path(cache.key_of(doc, 5.0, None))
    assert stored.parent.stat().st_mode & 0o777 == 0o700
    stored.chmod(0o666)
    assert cache.load(cache.key_of(doc, 5.0, None)) is None
    check_document(doc, cache=True)
    assert len(runs) == 2


def test_a_check_off_the_main_thread_is_not_kept(runs: list[int]) -> None:
    import threading

    worker = threading.Thread(target=lambda: check_document(read_string(TEXT, "hw.md"), cache=True))
    worker.start()
    worker.join()
    assert cache.load(cache.key_of(read_string(TEXT, "hw.md"), 5.0, None)) is None


def test_without_waiting_a_document_another_process_is_checking_is_left_to_it(runs: list[int]) -> None:
    doc = read_string(TEXT, "hw.md")
    key = cache.key_of(doc, 5.0, None)
    with cache._locked(key) as held:  # as another pytest-xdist worker would hold it
        assert held
        assert cache.cached(doc, 5.0, None, lambda: check_document(doc), wait=False) is None
    assert runs == []
    assert cache.cached(doc, 5.0, None, lambda: check_document(doc), wait=False) is not None
    assert len(runs) == 1


@pytest.mark.parametrize("value", ["false", "off", "No", " 0 "])
def test_other_spellings_of_off_turn_it_off(runs: list[int], monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("DERIVATIONS_CACHE", value)
    for _ in range(2):
        check_document(read_string(TEXT, "hw.md"), cache=True)
    assert len(runs) == 2


def test_under_a_group_writable_umask_the_cache_is_still_private_and_used(runs: list[int]) -> None:
    import os

    old = os.umask(0o002)
    try:
        doc = read_string(TEXT, "hw.md")
        check_document(doc, cache=True)
        check_document(read_string(TEXT, "hw.md"), cache=True)
    finally:
        os.umask(old)
    stored = cache._path(cache.key_of(doc, 5.0, None))
    assert stored.stat().st_mode & 0o777 == 0o600 and len(runs) == 1
    assert cache.cache_dir().stat().st_mode & 0o777 == 0o700  # the tool's own folder too, not only check/


def test_a_folder_someone_else_may_write_is_neither_locked_in_nor_written(runs: list[int]) -> None:
    doc = read_string(TEXT, "hw.md")
    key = cache.key_of(doc, 5.0, None)
    leaf = cache._path(key).parent
    leaf.mkdir(parents=True, mode=0o700)
    leaf.chmod(0o777)  # as if another user had made it, open to all
    check_document(doc, cache=True)
    assert list(leaf.iterdir()) == []  # no lock, no verdicts left where others could read or replace them
    assert [s.verdict.value for s in check_document(doc, cache=True).steps] == ["proved", "wrong"]


def test_a_fifo_where_the_cache_file_would_be_is_not_read(runs: list[int]) -> None:
    import os

    doc = read_string(TEXT, "hw.md")
    stored = cache._path(cache.key_of(doc, 5.0, None))
    stored.parent.mkdir(parents=True, mode=0o700)
    os.mkfifo(stored, 0o600)
    assert cache.load(cache.key_of(doc, 5.0, None)) is None  # a read would block forever


def test_a_lock_held_too_long_is_waited_for_only_so_long(runs: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "LOCK_WAIT", 0.2)
    doc = read_string(TEXT, "hw.md")
    with cache._locked(cache.key_of(doc, 5.0, None)):  # a stuck process holds it
        found = cache.cached(doc, 5.0, None, lambda: check_document(doc))
    assert found is not None and len(runs) == 1


def test_a_relative_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relcache")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / ".cache" / "derivations"
