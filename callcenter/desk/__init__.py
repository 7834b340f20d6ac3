"""The operator's desk: what the browser asks of the PBX (dial, pause), and the wrap-up after a call."""
