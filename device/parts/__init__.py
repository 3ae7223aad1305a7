"""The parts the logger is built from: the button, the feedback (LED, buzzer), the BLE
footpod, and the Protocols a test or a replay substitutes for each (protocols)."""
