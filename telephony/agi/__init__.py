"""FastAGI: the protocol, the TCP server and the scripts the dialplan calls."""
