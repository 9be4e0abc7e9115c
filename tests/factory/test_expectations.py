"""Expectation checks over an identity: each failure message names its expectation."""

from __future__ import annotations

from typing import Any

from particle_diag.catalog.platforms import by_name
from particle_diag.devices.identify import Identity, ModuleSummary
from particle_diag.devices.record import DeviceRecord
from particle_diag.factory.expectations import evaluate
from particle_diag.factory.spec import parse_spec_text


def judge(expect: str, platform: str = "boron", mode: str = "normal", status: str | None = None,
          **fields: Any) -> dict[str, tuple[bool, bool, str]]:
    spec = parse_spec_text("[expect]\n" + expect)
    rec = DeviceRecord("e00f00000000000000000001", by_name(platform), mode, status or mode)
    ident = Identity(rec.device_id, by_name(platform).name, by_name(platform).id, mode, **fields)
    return {r.name: (r.ok, r.skipped, r.message) for r in evaluate(spec.expect, ident, rec)}


def test_cellular_and_wifi_expectations_apply_only_where_they_can() -> None:
    text = 'iccid = true\niccid_pattern = "8901\\\\d+"\nmac_oui = "E0-4F-43"\n'
    boron = judge(text, iccid="89014103211118510720")
    assert boron["iccid"][:2] == (True, False) and boron["iccid_pattern"][0]
    assert boron["mac_oui"][:2] == (True, True)
    argon = judge(text, platform="argon", mac="e0:4f:43:aa:bb:cc")
    assert argon["iccid"][1] and argon["iccid_pattern"][1] and argon["mac_oui"] == (True, False, "mac_oui: MAC "
                                                                                                  "e0:4f:43:aa:bb:cc")
    bad = judge(text, platform="argon", mac="00:11:22:33:44:55")
    assert bad["mac_oui"][2] == "mac_oui: MAC 00:11:22:33:44:55 is not from OUI e0:4f:43"
    assert judge(text, iccid="8944")["iccid_pattern"][2] == "iccid_pattern: ICCID 8944 does not match '8901\\\\d+'"
    assert judge(text)["iccid"][2].startswith("iccid: no ICCID could be read")


def test_versions_modes_modules_cloud_protection() -> None:
    text = ('min_device_os = "4.0.0"\ndevice_os = "6.2.1"\nmode = ["normal", "listening"]\nmodules_valid = true\n'
            'cloud_status = "connected"\nprotected = false\n')
    ok = judge(text, device_os="6.2.1", modules=[ModuleSummary("user_part", 1, 6, True)], cloud_status="connected")
    assert all(v[0] for v in ok.values()), ok
    bad = judge(text, mode="dfu", modules=[ModuleSummary("user_part", 1, 6, False, ["dependencies"])],
                cloud_status="disconnected")
    assert bad["min_device_os"][2] == "min_device_os: Device OS version unknown (device in dfu mode), need 4.0.0 " \
                                      "or newer"
    assert bad["device_os"][2] == "device_os: Device OS is unknown, expected exactly 6.2.1"
    assert bad["mode"][2] == "mode: device is in dfu mode, expected one of normal, listening"
    assert bad["modules_valid"][2] == "modules_valid: invalid modules: user_part 1 (dependencies)"
    assert bad["cloud_status"][2] == "cloud_status: cloud is disconnected, expected connected"
    assert judge(text, mode="protected")["protected"][2] == "protected: Device Protection is on, expected off"
    assert judge('min_device_os = "5.0.0"', device_os="5.0.0-rc.2")["min_device_os"][0] is False
