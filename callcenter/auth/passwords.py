"""Password hashing with Argon2 (argon2-cffi), off the event loop, a few at a time."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 8

# Argon2 costs tens of milliseconds of CPU by design (argon2-cffi releases the GIL meanwhile). Its own small
# pool, rather than the loop's default executor, keeps a flood of logins from taking every core and every
# worker thread the rest of the process shares (charts, files): the excess waits its turn in the queue.
HASH_THREADS = 2
_pool = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="argon2")


def password_error(password: str) -> str | None:
    """Why a password is unacceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    return None


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, _hash, password)


def _hash(password: str) -> str:
    return _hasher.hash(password)


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; never raises for a bad hash."""
    return await asyncio.get_running_loop().run_in_executor(_pool, _verify, stored_hash, password)


# A real hash to verify against when the login is unknown, so timing does not tell which logins exist.
DUMMY_HASH = _hasher.hash("not-a-real-password")

