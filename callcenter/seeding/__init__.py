"""Demo data: users, catalogues and a realistic client base, written in bulk."""

from callcenter.seeding.batch import Profile
from callcenter.seeding.seed import SeedReport, seed_demo
from callcenter.seeding.users import DEMO_PASSWORD, DEMO_USERS

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "Profile", "SeedReport", "seed_demo"]
