"""bluetoothd's stand-in inside the Pi rehearsal (tools/pi_rehearsal.py): the fake BlueZ of
tests/fake_bluez.py on the container's real system D-Bus, playing one footpod that a
runner wears at 3 m/s, so the logger's bleak finds, connects and streams as on a Pi.

Run by the rehearsal's systemd unit (Type=dbus, BusName=org.bluez) with footnote's own
virtual environment, which has dbus-fast (bleak's); it runs until SIGTERM.
"""

import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, for tests.fake_bluez

from tests.fake_bluez import FakeBlueZ, PodSim

SYSTEM_BUS = "unix:path=/run/dbus/system_bus_socket"
POD_ADDRESS = "C0:FF:EE:00:00:01"


def main() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    bluez = FakeBlueZ(SYSTEM_BUS)
    # About 2 notifications a second, as real pods send (the tests' 20 Hz would only
    # measure the emulator).
    bluez.add_pod(POD_ADDRESS, "Rehearsal footpod", rate_hz=2.0, sim=PodSim(speed_mps=3.0, cadence_spm=170))
    print(f"fake BlueZ: footpod {POD_ADDRESS} advertising on the system bus", flush=True)
    stop.wait()
    bluez.close()


if __name__ == "__main__":
    main()
