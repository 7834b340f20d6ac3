"""Asterisk: the AMI protocol and connection, FastAGI, the call tracker and the PBX simulator."""
