"""The Asterisk Manager Interface: frames, the sans-IO parser, and the asyncio connection."""
