"""Host checks read a fake root: udev rules present/outdated/missing, ModemManager, groups."""

from __future__ import annotations

from pathlib import Path

from particle_diag.devices.hostcheck import RULES_NAME, bundled_rules, check_host


def fake_root(tmp_path: Path, rules: bytes | None, modemmanager: bool) -> Path:
    rules_dir = tmp_path / "etc" / "udev" / "rules.d"
    rules_dir.mkdir(parents=True)
    if rules is not None:
        (rules_dir / RULES_NAME).write_bytes(rules)
    proc = tmp_path / "proc"
    for pid, comm in (("1", "systemd"), ("42", "ModemManager" if modemmanager else "sshd"), ("self", "x")):
        (proc / pid).mkdir(parents=True)
        (proc / pid / "comm").write_text(comm + "\n")
    return tmp_path


def test_rules_installed_and_current(tmp_path):
    facts = check_host(fake_root(tmp_path, bundled_rules(), False), libusb_present=True,
                       groups=("plugdev", "dialout", "users"))
    assert facts.udev_supported and facts.udev_rules_installed and not facts.udev_rules_outdated
    assert not facts.modemmanager_running and facts.missing_groups == ()


def test_missing_rules_modemmanager_and_groups(tmp_path):
    facts = check_host(fake_root(tmp_path, None, True), libusb_present=False, groups=("users",))
    assert facts.udev_rules_installed is False
    assert facts.modemmanager_running
    assert facts.missing_groups == ("plugdev", "dialout")
    assert facts.libusb_present is False


def test_outdated_rules_are_reported(tmp_path):
    facts = check_host(fake_root(tmp_path, b"# an old copy\n", False), libusb_present=True, groups=("plugdev",))
    assert facts.udev_rules_installed and facts.udev_rules_outdated
    assert facts.missing_groups == ("dialout",)
