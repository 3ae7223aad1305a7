"""What the charts show (data), fewer points without losing peaks (downsample), and the
dashboard's SVG drawings (svg)."""
