"""micro's local bare-metal dev-platform (PlatformIO loads this file by path).

PlatformIO looks the class up by the platform name in platform.json with only
the first letter capitalised: "microbaremetal" -> MicrobaremetalPlatform.
It declares no packages, so PlatformIO never asks its registry for anything:
the toolchain is the system arm-none-eabi-gcc found on PATH.
"""

from platformio.public import PlatformBase


class MicrobaremetalPlatform(PlatformBase):
    def is_embedded(self):
        return True
