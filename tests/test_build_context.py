"""The staged build context: modes normalized, contents mirrored."""

from __future__ import annotations

from components.build_context import stage


def test_staged_files_get_fixed_modes_whatever_the_checkout_has(tmp_path):
    source = tmp_path / "app"
    source.mkdir()
    (source / "main.go").write_text("package main\n")
    (source / "run.sh").write_text("#!/bin/sh\n")
    (source / "main.go").chmod(0o664)
    (source / "run.sh").chmod(0o775)

    staged = stage(source, tmp_path / "staged")

    assert oct((staged / "main.go").stat().st_mode & 0o777) == "0o644"
    assert oct((staged / "run.sh").stat().st_mode & 0o777) == "0o755"


def test_staging_twice_after_chmod_gives_identical_modes(tmp_path):
    source = tmp_path / "app"
    (source / "static").mkdir(parents=True)
    (source / "static" / "index.html").write_text("<p>hi</p>\n")
    before = oct(stage(source, tmp_path / "s").joinpath("static/index.html").stat().st_mode)

    (source / "static" / "index.html").chmod(0o666)
    (source / "static").chmod(0o775)
    after = oct(stage(source, tmp_path / "s").joinpath("static/index.html").stat().st_mode)

    assert before == after == "0o100644"


def test_files_removed_from_the_source_leave_the_staged_copy(tmp_path):
    source = tmp_path / "app"
    source.mkdir()
    (source / "old.go").write_text("package main\n")
    stage(source, tmp_path / "staged")

    (source / "old.go").unlink()
    (source / "new.go").write_text("package main\n")
    staged = stage(source, tmp_path / "staged")

    assert sorted(p.name for p in staged.iterdir()) == ["new.go"]


def test_changed_content_reaches_the_staged_copy(tmp_path):
    source = tmp_path / "app"
    source.mkdir()
    (source / "page.html").write_text("one\n")
    stage(source, tmp_path / "staged")

    (source / "page.html").write_text("two, longer\n")
    staged = stage(source, tmp_path / "staged")

    assert (staged / "page.html").read_text() == "two, longer\n"
