"""Pure ladder rules: no I/O, no asyncio, no discord, no SQL. Plain dataclasses and functions."""
