"""Generated protobuf modules for Particle control requests (do not edit the ``*_pb2`` files by hand).

``control.proto`` is pdiag's own description of the payloads (after device-os-protobuf), ``firmware_update.proto``
that of the firmware-update requests 250-253 (after its control/storage.proto); the ``*_pb2.py`` and
``*_pb2.pyi`` modules are generated from them by ``scripts/gen_protos.py``.

GENCODE: the committed modules were generated with grpcio-tools 1.62.3 (protoc 25.1, "Protobuf Python
Version: 4.25.1"). Such gencode carries no runtime version check and loads on protobuf 4.25 through 7.x
(checked with the upb and pure-python backends), which is what pyproject's ``protobuf>=4.25`` pin promises.
Generating with a newer grpcio-tools embeds ``ValidateProtobufRuntimeVersion(<its version>)`` and raises the
floor to that version (grpcio-tools 1.85 emits 7.35.1), so regenerate with 1.62.x to keep the floor::

    python -m venv /tmp/pbgen && /tmp/pbgen/bin/pip install grpcio-tools==1.62.3
    /tmp/pbgen/bin/python scripts/gen_protos.py
"""
