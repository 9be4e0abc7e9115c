"""Facts about this computer that explain why devices are missing or inaccessible (for ``pdiag doctor``).

Everything is read from files and process tables under an injectable root, so tests can build a fake ``/etc``
and ``/proc``.  Checks follow particle-cli's udev logic (``src/cmd/udev.js``,
https://github.com/particle-iot/particle-cli): the rules are "installed" when the
installed file is byte-identical to the bundled one.
"""

from __future__ import annotations

import grp
import os
import platform as host_platform
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

RULES_NAME = "50-particle.rules"
GROUPS_THAT_GRANT_ACCESS = ("plugdev", "dialout")


@dataclass
class HostFacts:
    host_os: str
    libusb_present: bool
    udev_supported: bool
    udev_rules_installed: bool | None  # None where udev does not apply (macOS, Windows)
    udev_rules_outdated: bool
    modemmanager_running: bool
    user_groups: tuple[str, ...]
    missing_groups: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def bundled_rules() -> bytes:
    return resources.files("particle_diag.udev").joinpath(RULES_NAME).read_bytes()


def _libusb_present() -> bool:
    from particle_diag.errors import PdiagError
    from particle_diag.transport.usb import default_backend

    try:
        default_backend()
    except PdiagError:
        return False
    return True


def _process_running(proc: Path, name: str) -> bool:
    try:
        entries = list(proc.iterdir())
    except OSError:
        return False
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == name:
                return True
        except OSError:
            continue
    return False


def _groups() -> tuple[str, ...]:
    names = []
    for gid in os.getgroups():
        try:
            names.append(grp.getgrgid(gid).gr_name)
        except KeyError:
            continue
    return tuple(sorted(set(names)))


def check_host(root: Path = Path("/"), *, libusb_present: bool | None = None,
               groups: tuple[str, ...] | None = None) -> HostFacts:
    system = host_platform.system().lower()
    rules_dir = root / "etc" / "udev" / "rules.d"
    udev_supported = system == "linux" and rules_dir.is_dir()
    installed: bool | None = None
    outdated = False
    if system == "linux":
        path = rules_dir / RULES_NAME
        installed = path.is_file()
        if installed:
            outdated = path.read_bytes() != bundled_rules()
    user_groups = _groups() if groups is None else groups
    is_root = os.geteuid() == 0 if groups is None else False
    missing = () if is_root or system != "linux" else tuple(
        g for g in GROUPS_THAT_GRANT_ACCESS if g not in user_groups)
    return HostFacts(
        host_os=system,
        libusb_present=_libusb_present() if libusb_present is None else libusb_present,
        udev_supported=udev_supported,
        udev_rules_installed=installed,
        udev_rules_outdated=outdated,
        modemmanager_running=_process_running(root / "proc", "ModemManager"),
        user_groups=user_groups,
        missing_groups=missing,
    )
