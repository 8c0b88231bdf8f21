"""A build context with normalized file modes, so a checkout's modes never change an image.

docker-build hashes each file's mode into the context hash, and `COPY . .` copies modes into
the builder stage; a `chmod -R g+w` or a different umask would otherwise rebuild and push.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def _mode(source_mode: int, is_dir: bool) -> int:
    """0755 for folders and executables, 0644 for every other file."""
    return 0o755 if is_dir or source_mode & 0o111 else 0o644


def stage(source: Path, staged: Path) -> Path:
    """Mirror `source` into `staged` with normalized modes, copying only changed files."""
    wanted: set[Path] = set()
    for folder, dirs, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        target_dir = staged / relative
        target_dir.mkdir(parents=True, exist_ok=True)
        target_dir.chmod(0o755)
        wanted.add(target_dir)
        for name in files:
            origin, target = Path(folder) / name, target_dir / name
            wanted.add(target)
            info = origin.stat()
            current = target.stat() if target.exists() else None
            if current is None or (current.st_size, current.st_mtime_ns) != (
                info.st_size,
                info.st_mtime_ns,
            ):
                shutil.copy2(origin, target)
            target.chmod(_mode(info.st_mode, is_dir=False))

    for folder, dirs, files in os.walk(staged, topdown=False):
        for name in files + dirs:
            path = Path(folder) / name
            if path not in wanted:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    return staged
