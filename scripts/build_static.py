"""Copy the front-end libraries the pages use from node_modules into src/cityloop/web/static/vendor/."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE = ROOT / "node_modules"
VENDOR = ROOT / "src" / "cityloop" / "web" / "static" / "vendor"

# (source under node_modules, target under vendor); directories are copied whole.
FILES = [
    ("htmx.org/dist/htmx.min.js", "htmx.min.js"),
    ("alpinejs/dist/cdn.min.js", "alpine.min.js"),
    ("echarts/dist/echarts.min.js", "echarts.min.js"),
    ("leaflet/dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet/dist/leaflet.css", "leaflet/leaflet.css"),
    ("leaflet/dist/images", "leaflet/images"),
]
LICENSES = ["htmx.org", "alpinejs", "echarts", "leaflet"]


def main() -> int:
    """Copy every file; fail loudly when `npm ci` has not run."""
    missing = [src for src, _ in FILES if not (NODE / src).exists()]
    if missing:
        print(f"missing in node_modules (run `npm ci` first): {', '.join(missing)}", file=sys.stderr)  # noqa: T201
        return 1
    VENDOR.mkdir(parents=True, exist_ok=True)
    for src, dst in FILES:
        source, target = NODE / src, VENDOR / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
    for package in LICENSES:
        # Ship each library's licence next to it (Apache-2.0 and MIT/BSD require the notice).
        for name in ("LICENSE", "LICENSE.txt", "LICENSE.md"):
            if (NODE / package / name).exists():
                shutil.copy2(NODE / package / name, VENDOR / f"LICENSE-{package}.txt")
                break
    print(f"vendor assets → {VENDOR.relative_to(ROOT)}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
