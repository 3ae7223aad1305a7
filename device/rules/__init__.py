"""Pure rules both sides use: the RSC decoder, steps or strides, the odometer and whether the
runner moves, and the thresholds they need. No IO, no clock."""
