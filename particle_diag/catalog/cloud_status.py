"""The cloud connection status names, one table for every place pdiag reads or checks one.

Device OS numbers the status the same way in both places pdiag reads it:

* the ``cloud:stat`` diagnostic source (request 100 and the listening console's ``d``):
  device-os ``system/src/system_cloud_internal.h`` ``CloudDiagnostics::Status``
  (DISCONNECTED 0, CONNECTING 1, CONNECTED 2, DISCONNECTING 3);
* the reply to request 300 ``CLOUD_GET_CONNECTION_STATUS``:
  ``control/cloud.proto`` ``CloudConnectionStatus`` (same four values),
  https://github.com/particle-iot/device-os-protobuf/blob/main/control/cloud.proto.

The rule engine, the station spec and the vitals use the names; the decoders use the numbers.
"""

from __future__ import annotations

CLOUD_STATUSES: dict[int, str] = {0: "disconnected", 1: "connecting", 2: "connected", 3: "disconnecting"}
CLOUD_STATUS_NAMES: tuple[str, ...] = tuple(CLOUD_STATUSES.values())
